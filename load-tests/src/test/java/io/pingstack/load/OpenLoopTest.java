package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.load.StandInGrpcServer.Outcome;
import io.pingstack.load.StandInIngestServer.Answer;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Open-loop runs ({@code --rate}) against stand-ins that stall one answer: the requests intended
 * while the stalled one blocks the only connection must show the stall in their latency.
 */
class OpenLoopTest {
  private static final Duration STALL = Duration.ofMillis(300);

  @Test
  void aStalledHttpAnswerShowsInTheLatencyOfEveryRequestQueuedBehindIt() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> n == 3
        ? Answer.acceptAll(batch).after(STALL)
        : Answer.acceptAll(batch))) {
      LoadResult result = LoadGenerator.run(options(server.url(), "--rate", "200", "--batch", "1", "--connections", "1",
          "--warmup", "0", "--total", "100"));

      assertStallShows(result);
      assertThat(server.requests()).isEqualTo(100);
    }
  }

  @Test
  void aStalledGrpcAnswerShowsInTheLatencyOfEveryCallQueuedBehindIt() throws Exception {
    try (StandInGrpcServer server = StandInGrpcServer.start((call, batch) -> call == 3
        ? Outcome.acceptAll(batch).after(STALL)
        : Outcome.acceptAll(batch))) {
      LoadResult result = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-unary", "--rate", "200",
          "--batch", "1", "--connections", "1", "--warmup", "0", "--total", "100"));

      assertStallShows(result);
      assertThat(server.calls()).isEqualTo(100);
    }
  }

  @Test
  void requestsLeaveNoSoonerThanTheirIntendedTimes() throws Exception {
    // 50 requests at 100/s: the last is intended 0.49 s after the start, however fast the server answers.
    try (StandInIngestServer http = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch));
        StandInGrpcServer grpc = StandInGrpcServer.start((call, batch) -> Outcome.acceptAll(batch))) {
      LoadResult overHttp = LoadGenerator.run(options(http.url(), "--rate", "100", "--batch", "2", "--connections", "4",
          "--warmup", "0", "--total", "100"));
      LoadResult overGrpc = GrpcLoadGenerator.run(options(grpc.url(), "--protocol", "grpc-unary", "--rate", "100",
          "--batch", "2", "--connections", "4", "--warmup", "0", "--total", "100"));

      for (LoadResult result : new LoadResult[] {overHttp, overGrpc}) {
        assertThat(result.requests()).isEqualTo(50);
        assertThat(result.pingsAcked()).isEqualTo(100);
        assertThat(result.runSeconds()).isGreaterThanOrEqualTo(0.49);
        assertThat(result.openLoop().rate()).isEqualTo(100);
        assertThat(result.openLoop().unsent()).isZero();
        assertLatencyIsAtLeastServiceTime(result);
      }
      assertThat(http.requests()).isEqualTo(50);
      assertThat(grpc.calls()).isEqualTo(50);
    }
  }

  @Test
  void withoutARateTheLoopStaysClosedAndReportsNoSchedule() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      LoadResult result = LoadGenerator.run(options(server.url(), "--batch", "2", "--connections", "4",
          "--warmup", "0", "--total", "100"));

      assertThat(result.openLoop()).isNull();
      assertThat(result.summary()).doesNotContain("service ms", "schedule", "intended");
    }
  }

  /**
   * At 200/s the n-th request is intended at 5(n-1) ms. The third (10 ms) is answered 300 ms late on
   * the only connection, at 310 ms at the earliest; the 41 after it intended up to 215 ms cannot
   * leave before then, so each has a latency of at least 95 ms: 41 of 100 samples, which p90
   * includes. Only the stalled request's service time shows the stall.
   */
  private static void assertStallShows(LoadResult result) {
    assertThat(result.pingsAckedInRun()).isEqualTo(100);
    assertThat(result.requests()).isEqualTo(100);
    assertThat(result.errors()).isEmpty();
    assertThat(result.openLoop().behindSchedule()).isGreaterThanOrEqualTo(40);
    assertThat(result.openLoop().serviceMaxMillis()).isGreaterThanOrEqualTo(STALL.toMillis());
    assertThat(result.p90Millis()).isGreaterThanOrEqualTo(95);
    assertThat(result.maxMillis()).isGreaterThanOrEqualTo(STALL.toMillis());
    assertLatencyIsAtLeastServiceTime(result);
    assertThat(result.summary()).contains("(from the intended send time)", "service ms")
        .containsPattern("behind schedule [1-9][0-9]+");
  }

  /** Each request's latency runs from its intended time, no later than its write: so does every percentile. */
  private static void assertLatencyIsAtLeastServiceTime(LoadResult result) {
    LoadResult.OpenLoop open = result.openLoop();
    assertThat(result.p50Millis()).isGreaterThanOrEqualTo(open.serviceP50Millis());
    assertThat(result.p90Millis()).isGreaterThanOrEqualTo(open.serviceP90Millis());
    assertThat(result.p99Millis()).isGreaterThanOrEqualTo(open.serviceP99Millis());
    assertThat(result.maxMillis()).isGreaterThanOrEqualTo(open.serviceMaxMillis());
  }

  private static LoadOptions options(URI url, String... args) {
    return LoadOptions.parse(TestUrls.withUrl(url, args));
  }
}
