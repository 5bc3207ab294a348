package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static ReplayCommand.Options parse(String... args) {
    return ReplayCommand.Options.parse(List.of(args));
  }

  @Test
  void theOptionsBecomeTheRequestBodyPositionsAsNumbersAndTimesAsText() throws Exception {
    JsonNode body = JSON.readTree(parse("--from", "2026-11-21T10:00:00Z", "--to", "1234", "--target", "all", "--dry-run").body());
    assertThat(body.get("from").asText()).isEqualTo("2026-11-21T10:00:00Z");
    assertThat(body.get("to").isIntegralNumber()).isTrue();
    assertThat(body.get("to").asLong()).isEqualTo(1234);
    assertThat(body.get("target").asText()).isEqualTo("all");
    assertThat(body.get("dry_run").asBoolean()).isTrue();
    assertThat(body.get("rebuild").asBoolean()).isFalse();
    JsonNode open = JSON.readTree(parse("--target", "cold", "--rebuild", "--from", "7", "--config", "/etc/p.properties").body());
    assertThat(open.has("to")).isFalse();
    assertThat(open.get("rebuild").asBoolean()).isTrue();
    assertThat(ReplayRequest.parse(open.toString().getBytes(StandardCharsets.UTF_8)).from().position()).isEqualTo(7);
  }

  @Test
  void aUsageMistakeIsNamed() {
    assertThatThrownBy(() -> parse("--target", "cold")).hasMessage("--from is required");
    assertThatThrownBy(() -> parse("--from", "1")).hasMessage("--target is required: rollups, cold or all");
    assertThatThrownBy(() -> parse("--from", "1", "--target", "warm")).hasMessage("--target is required: rollups, cold or all");
    assertThatThrownBy(() -> parse("--from", "last tuesday", "--target", "cold")).hasMessageStartingWith("--from must be");
    assertThatThrownBy(() -> parse("--from", "1", "--target", "cold", "--to")).hasMessage("--to needs a value");
    assertThatThrownBy(() -> parse("--from", "1", "--target", "cold", "--fast")).hasMessage("unknown option --fast");
  }

  @Test
  void aUsageMistakeExitsWith2AndTheUsageBeforeAnythingIsContacted() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = ReplayCommand.run(List.of("--target", "cold"), Servers.env(dir), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, hook -> {});
    assertThat(exit).isEqualTo(ReplayCommand.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--from is required", "usage: bin/pingstack replay");
  }

  @Test
  void aConfigurationMistakeExitsWith2() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = ReplayCommand.run(List.of("--from", "1", "--target", "cold", "--config", dir.resolve("missing.properties").toString()),
        Servers.env(dir), new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8), false,
        hook -> {});
    assertThat(exit).isEqualTo(ReplayCommand.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error", "missing.properties");
  }

  @Test
  void theServiceIsAskedOnLoopbackWhenItListensOnEveryAddress() {
    assertThat(ReplayCommand.host("0.0.0.0")).isEqualTo("127.0.0.1");
    assertThat(ReplayCommand.host("::")).isEqualTo("127.0.0.1");
    assertThat(ReplayCommand.host("10.1.2.3")).isEqualTo("10.1.2.3");
    assertThat(ReplayCommand.host("fd00::1")).isEqualTo("[fd00::1]");
  }

  @Test
  void aProgressLineShowsPercentRecordsPingsRateAndTimeLeft() throws Exception {
    JsonNode running = JSON.readTree("{\"state\": \"running\", \"records\": 250, \"planned_records\": 1000, \"pings\": 5000,"
        + " \"rate\": 1234.4, \"eta_seconds\": 75.2}");
    assertThat(ReplayProgressText.line(running, false)).isEqualTo(" 25%  250/1000 records  5000 pings  1234 pings/s  ETA 1m15s");
    assertThat(ReplayProgressText.line(running, true))
        .isEqualTo("[######------------------]  25%  250/1000 records  5000 pings  1234 pings/s  ETA 1m15s");
    JsonNode unknown = JSON.readTree("{\"state\": \"running\", \"records\": 3, \"planned_records\": null, \"pings\": 9,"
        + " \"rate\": 2.0, \"eta_seconds\": null}");
    assertThat(ReplayProgressText.line(unknown, false)).isEqualTo("  ?%  3 records  9 pings  2 pings/s");
    JsonNode done = JSON.readTree("{\"state\": \"done\", \"records\": 1000, \"planned_records\": 1000, \"pings\": 20000,"
        + " \"rate\": 5000, \"eta_seconds\": 0}");
    assertThat(ReplayProgressText.line(done, true)).startsWith("[########################] 100%  1000/1000 records");
  }

  @Test
  void timeLeftReadsAsHoursMinutesAndSeconds() {
    assertThat(ReplayProgressText.duration(9.4)).isEqualTo("9s");
    assertThat(ReplayProgressText.duration(61)).isEqualTo("1m01s");
    assertThat(ReplayProgressText.duration(3 * 3600 + 7 * 60)).isEqualTo("3h07m");
  }
}
