package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pingstack.load.StandInIngestServer.Answer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadMainTest {

  @Test
  void jsonOutCarriesTheSummaryFigures(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit;
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      exit = LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
          "--url", server.url().toString(), "--batch", "5", "--connections", "2", "--warmup", "0",
          "--duration", "0.5", "--json-out", json.toString());
    }

    assertThat(exit).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("pings/s", "latency ms", "errors        none");
    JsonNode result = new ObjectMapper().readTree(json.toFile());
    assertThat(result.get("batch").asInt()).isEqualTo(5);
    assertThat(result.get("pings_acked").asLong()).isPositive().isEqualTo(result.get("requests").asLong() * 5);
    assertThat(result.get("pings_per_s").asDouble())
        .isCloseTo(result.get("pings_acked").asDouble() / result.get("measured_s").asDouble(), within(
            result.get("pings_per_s").asDouble() * 0.01 + 1));
    assertThat(result.get("latency_ms").get("p99").asDouble()).isPositive();
    assertThat(result.get("errors").size()).isZero();
  }

  @Test
  void unknownOptionExitsWithUsage() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = LoadMain.run(System.out, new PrintStream(err, true, StandardCharsets.UTF_8), "--conections", "3");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option: --conections", "usage:");
  }
}
