package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pingstack.load.StandInIngestServer.Answer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  void grpcStreamRunsSayWhatTheyLoadedInTheSummaryAndTheJson(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit;
    try (StandInGrpcServer server = StandInGrpcServer.acceptingAll(0)) {
      exit = LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
          "--protocol", "grpc-stream", "--stream-batches", "4", "--url", server.url().toString(), "--batch", "5",
          "--connections", "2", "--warmup", "0", "--duration", "0.5", "--json-out", json.toString());
    }

    assertThat(exit).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("pingstack.v1.IngestService/IngestStream (grpc-stream), batch 5 x 4 per call, 2 channels", "calls/s");
    JsonNode result = new ObjectMapper().readTree(json.toFile());
    assertThat(result.get("protocol").asText()).isEqualTo("grpc-stream");
    assertThat(result.get("batches_per_call").asInt()).isEqualTo(4);
    assertThat(result.get("pings_acked").asLong()).isPositive().isEqualTo(result.get("requests").asLong() * 4 * 5);
  }

  @Test
  void interruptEndsALoadRunEarlyAndStillReportsIt(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AtomicInteger exit = new AtomicInteger(-1);
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      Thread run = new Thread(() -> exit.set(LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
          "--url", server.url().toString(), "--batch", "5", "--connections", "1", "--warmup", "0",
          "--duration", "600", "--json-out", json.toString())));
      run.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (server.requests() < 20 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      run.interrupt();
      run.join(TimeUnit.SECONDS.toMillis(30));

      assertThat(run.isAlive()).isFalse();
    }
    assertThat(exit.get()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("pings/s");
    JsonNode result = new ObjectMapper().readTree(json.toFile());
    assertThat(result.get("pings_acked").asLong()).isGreaterThanOrEqualTo(19 * 5);
    assertThat(result.get("measured_s").asDouble()).isLessThan(60);
  }

  @Test
  void interruptedRunsStillFlushTheLedger(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    Path ledger = dir.resolve("ledger.tsv");
    AtomicInteger exit = new AtomicInteger(-1);
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      Thread run = new Thread(() -> exit.set(LoadMain.run(new PrintStream(new ByteArrayOutputStream(), true,
          StandardCharsets.UTF_8), System.err, "--url", server.url().toString(), "--batch", "5", "--connections", "1",
          "--warmup", "0", "--duration", "600", "--json-out", json.toString(), "--ledger", ledger.toString())));
      run.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (server.requests() < 20 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      run.interrupt();
      run.join(TimeUnit.SECONDS.toMillis(30));

      assertThat(run.isAlive()).isFalse();
      assertThat(exit.get()).isZero();
      JsonNode result = new ObjectMapper().readTree(json.toFile());
      long written = result.get("ledger").get("pings_written").asLong();
      assertThat(written).isGreaterThanOrEqualTo(19 * 5).isEqualTo(result.get("pings_acked_in_run").asLong());
      assertThat(Files.readAllLines(ledger)).hasSize((int) written).isSubsetOf(server.acknowledgedIds());
    }
  }

  @Test
  void queryCommandPrintsATableAndWritesEveryQueryAsJson(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("queries.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit;
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ZERO, Duration.ZERO)) {
      exit = LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "query",
          "--url", server.url().toString(), "--warmup", "0", "--duration", "0.3", "--json-out", json.toString(),
          "--query", "hourly=/v1/rollups?event=a.b&from=0&to=3600000&step=1h&agg=count", "--query", "events=/v1/events");
    }

    assertThat(exit).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("p99 µs", "hourly", "events");
    JsonNode result = new ObjectMapper().readTree(json.toFile());
    assertThat(result.get("queries")).extracting(q -> q.get("name").asText()).containsExactly("hourly", "events");
    assertThat(result.get("queries").get(1).get("requests").asLong()).isPositive();
    assertThat(result.get("queries").get(1).get("latency_us").get("p99").asLong()).isPositive();
  }

  @Test
  void freshnessCommandFailsWhenASampleNeverShows() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit;
    // The timeout is also each read's: the first /v1/rollups answer of a cold JVM took 0.4 s here,
    // which a 0.2 s timeout reported as an io error, not as the timeout this test is about.
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ofMinutes(10), Duration.ZERO)) {
      exit = LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "freshness",
          "--url", server.url().toString(), "--samples", "1", "--timeout", "2");
    }

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("timed out 1");
  }

  @Test
  void describePrintsTheEventsAndTheDimensionKeysToDeclare() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "describe", "--events", "50");

    assertThat(exit).isZero();
    JsonNode mix = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    assertThat(mix.get("events")).hasSize(50);
    assertThat(mix.get("events").get(0).get("event").asText()).isEqualTo("feature1.used");
    assertThat(mix.get("events").get(0).get("share").asDouble()).isGreaterThan(mix.get("events").get(1).get("share").asDouble());
    assertThat(mix.get("dimension_keys")).extracting(JsonNode::asText)
        .containsExactlyElementsOf(EventMix.features(50, 1).dimensionKeys());
  }

  @Test
  void unknownOptionExitsWithUsage() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = LoadMain.run(System.out, new PrintStream(err, true, StandardCharsets.UTF_8), "--conections", "3");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option: --conections", "usage:");
  }

  @Test
  void bodyFormatsOutsideHttpExitWithUsage() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = LoadMain.run(System.out, new PrintStream(err, true, StandardCharsets.UTF_8),
        "--protocol", "grpc-unary", "--format", "json");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--format is for --protocol http only", "usage:");
  }

  @Test
  void openLoopRunsReportServiceTimeAndTheScheduleInTheSummaryAndTheJson(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit;
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      exit = LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
          "--url", server.url().toString(), "--rate", "500", "--batch", "4", "--connections", "2", "--warmup", "0",
          "--total", "200", "--json-out", json.toString());
    }

    assertThat(exit).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("(from the intended send time)", "service ms    p50", "schedule      500 requests/s intended (2000 pings/s)");
    JsonNode result = new ObjectMapper().readTree(json.toFile());
    JsonNode openLoop = result.get("open_loop");
    assertThat(openLoop.get("rate_per_s").asDouble()).isEqualTo(500);
    assertThat(openLoop.get("pings_per_s_intended").asDouble()).isEqualTo(2000);
    assertThat(openLoop.get("unsent_at_end").asLong()).isZero();
    assertThat(openLoop.get("behind_schedule").isIntegralNumber()).isTrue();
    assertThat(openLoop.get("service_ms").get("max").asDouble())
        .isPositive().isLessThanOrEqualTo(result.get("latency_ms").get("max").asDouble());
  }

  @Test
  void closedLoopRunsWriteNoOpenLoopFigures(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      LoadMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
          "--url", server.url().toString(), "--batch", "4", "--connections", "2", "--warmup", "0",
          "--total", "200", "--json-out", json.toString());
    }

    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("service ms", "schedule");
    assertThat(new ObjectMapper().readTree(json.toFile()).has("open_loop")).isFalse();
  }

  @Test
  void hgrmOutWritesTheLatencyHistogramInMilliseconds(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    Path hgrm = dir.resolve("latency.hgrm");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      int exit = LoadMain.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8), "--url", server.url().toString(), "--batch", "4",
          "--connections", "2", "--warmup", "0", "--total", "400", "--json-out", json.toString(), "--hgrm-out", hgrm.toString());
      assertThat(exit).isZero();
    }

    JsonNode result = new ObjectMapper().readTree(json.toFile());
    List<String> lines = Files.readAllLines(hgrm);
    assertThat(lines.get(0)).contains("Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    String footer = lines.stream().filter(l -> l.startsWith("#[Max")).findFirst().orElseThrow();
    Matcher max = Pattern.compile("#\\[Max\\s*=\\s*([0-9.]+), Total count\\s*=\\s*([0-9]+)\\]").matcher(footer);
    assertThat(max.matches()).as(footer).isTrue();
    assertThat(Double.parseDouble(max.group(1))).as("ms, as the JSON's").isCloseTo(result.get("latency_ms").get("max").asDouble(),
        within(0.0006));
    assertThat(Long.parseLong(max.group(2))).isEqualTo(result.get("requests").asLong()).isEqualTo(100);
    assertThat(err.toString(StandardCharsets.UTF_8)).as("not a terminal: no progress line").doesNotContain("\r", "pings/s");
  }
}
