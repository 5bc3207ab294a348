package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.engine.ConsumerConfig;
import io.pingstack.engine.Records;
import io.pingstack.engine.ReplayException;
import io.pingstack.model.Wal;
import io.pingstack.wal.WalMetrics.RetentionBlock;
import io.pingstack.wal.WalMetrics.RetentionCause;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
  private final Metrics metrics = new Metrics();

  private String scrape() {
    return new String(metrics.scrape(), StandardCharsets.UTF_8);
  }

  @Test
  void requestsPingsAndCallsAreCountedPerLabelValuesEachTimeTheyRecur() {
    for (int i = 0; i < 3; i++) {
      metrics.gateway.request("/v1/pings", 200, 1_000_000);
      metrics.gateway.pings("accepted", "", 2);
      metrics.gateway.grpcCall("pingstack.v1.IngestService/Ingest", "OK", 1_000_000);
    }
    metrics.gateway.request("/v1/pings", 400, 1_000_000);
    metrics.gateway.request("/v1/rollups", 200, 30_000_000);
    metrics.gateway.request("other", 999, 1_000_000);
    metrics.gateway.pings("rejected", "bad_event", 1);
    metrics.gateway.pings("rejected", "bad_timestamp", 4);
    metrics.gateway.pings("duplicate", "", 0);
    metrics.gateway.grpcCall("pingstack.v1.IngestService/Ingest", "UNAVAILABLE", 1_000_000);
    assertThat(scrape()).contains(
        "pingstack_http_requests_total{route=\"/v1/pings\",status=\"200\"} 3.0",
        "pingstack_http_requests_total{route=\"/v1/pings\",status=\"400\"} 1.0",
        "pingstack_http_requests_total{route=\"/v1/rollups\",status=\"200\"} 1.0",
        "pingstack_http_requests_total{route=\"other\",status=\"999\"} 1.0",
        "pingstack_http_request_duration_seconds_count{route=\"/v1/pings\"} 4",
        "pingstack_http_request_duration_seconds_bucket{route=\"/v1/rollups\",le=\"0.025\"} 0",
        "pingstack_http_request_duration_seconds_bucket{route=\"/v1/rollups\",le=\"0.05\"} 1",
        "pingstack_ingest_pings_total{outcome=\"accepted\",reason=\"\"} 6.0",
        "pingstack_ingest_pings_total{outcome=\"rejected\",reason=\"bad_event\"} 1.0",
        "pingstack_ingest_pings_total{outcome=\"rejected\",reason=\"bad_timestamp\"} 4.0",
        "pingstack_grpc_requests_total{code=\"OK\",method=\"pingstack.v1.IngestService/Ingest\"} 3.0",
        "pingstack_grpc_requests_total{code=\"UNAVAILABLE\",method=\"pingstack.v1.IngestService/Ingest\"} 1.0",
        "pingstack_grpc_request_duration_seconds_count{method=\"pingstack.v1.IngestService/Ingest\"} 4")
        .doesNotContain("outcome=\"duplicate\"");
  }

  @Test
  void retentionDeletionsAreCountedByReasonWithTheirBytes() {
    metrics.wal.fileDeleted(RetentionCause.AGE, 100);
    metrics.wal.fileDeleted(RetentionCause.SIZE, 7);
    metrics.wal.fileDeleted(RetentionCause.SIZE, 3);
    assertThat(scrape()).contains(
        "pingstack_wal_retention_deleted_files_total{reason=\"age\"} 1.0",
        "pingstack_wal_retention_deleted_files_total{reason=\"size\"} 2.0",
        "pingstack_wal_retention_deleted_bytes_total{reason=\"age\"} 100.0",
        "pingstack_wal_retention_deleted_bytes_total{reason=\"size\"} 10.0");
  }

  @Test
  void compressionsAreCountedByWhetherTheyMadeTheRecordSmaller() {
    assertThat(scrape()).contains(
        "pingstack_wal_compressions_total{outcome=\"not_smaller\"} 0.0",
        "pingstack_wal_compressions_total{outcome=\"smaller\"} 0.0");
    metrics.wal.compressionTried(true);
    metrics.wal.compressionTried(true);
    metrics.wal.compressionTried(false);
    assertThat(scrape()).contains(
        "pingstack_wal_compressions_total{outcome=\"not_smaller\"} 1.0",
        "pingstack_wal_compressions_total{outcome=\"smaller\"} 2.0");
  }

  @Test
  void aPinThatBlocksRetentionIsCountedPerPassAndItsHeldBytesDropToZeroOnceItStops() {
    metrics.wal.retentionPassed(List.of(new RetentionBlock("cold", RetentionCause.SIZE, 4096)));
    metrics.wal.retentionPassed(List.of(new RetentionBlock("cold", RetentionCause.SIZE, 8192)));
    assertThat(scrape()).contains(
        "pingstack_wal_retention_blocked_total{pin=\"cold\",reason=\"size\"} 2.0",
        "pingstack_wal_retention_blocked_bytes{pin=\"cold\"} 8192.0");
    metrics.wal.retentionPassed(List.of());
    assertThat(scrape()).contains(
        "pingstack_wal_retention_blocked_total{pin=\"cold\",reason=\"size\"} 2.0",
        "pingstack_wal_retention_blocked_bytes{pin=\"cold\"} 0.0");
  }

  @Test
  void recordsAConsumerTookDecodedByTheOtherAreCountedPerConsumer() {
    metrics.consumer("rollups").taken(40);
    metrics.consumer("rollups").taken(2);
    metrics.consumer("cold").applied(5, 500, 1_000);
    assertThat(scrape()).contains(
        "pingstack_consumer_taken_records_total{consumer=\"rollups\"} 42.0",
        "pingstack_consumer_records_total{consumer=\"cold\"} 5.0");
  }

  @Test
  void replaysAreCountedByStateWithWhatTheyReadAndWhetherOneRuns(@TempDir Path dir) throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      long first = Records.append(wal, Records.record(Records.pings("a", 3)));
      Records.append(wal, Records.record(Records.pings("b", 2)));
      CountDownLatch gate = new CountDownLatch(1);
      FakeReplayTarget cold = FakeReplayTarget.reading("cold").waitingFor(gate);
      ReplayJobs jobs = new ReplayJobs(wal, ConsumerConfig.defaults(), 0,
          List.of(cold, FakeReplayTarget.reading("rollups").failingWith(new ReplayException("no"))), Clock.systemUTC());
      metrics.watchReplays(jobs);
      assertThat(scrape()).contains("pingstack_replay_running 0.0", "pingstack_replay_records_total 0.0");

      ReplayJob done = jobs.start(ReplayRequest.parse(("{\"from\": " + first + ", \"target\": \"cold\"}").getBytes(StandardCharsets.UTF_8)));
      assertThat(cold.entered.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(scrape()).contains("pingstack_replay_running 1.0");
      gate.countDown();
      assertThat(done.await(Duration.ofSeconds(10))).isTrue();
      ReplayJob failed = jobs.start(ReplayRequest.parse(("{\"from\": " + first + ", \"target\": \"rollups\"}").getBytes(StandardCharsets.UTF_8)));
      assertThat(failed.await(Duration.ofSeconds(10))).isTrue();
      assertThat(scrape()).contains(
          "pingstack_replays_total{state=\"done\"} 1.0",
          "pingstack_replays_total{state=\"failed\"} 1.0",
          "pingstack_replay_records_total 2.0",
          "pingstack_replay_pings_total 5.0",
          "pingstack_replay_running 0.0");
    }
  }
}
