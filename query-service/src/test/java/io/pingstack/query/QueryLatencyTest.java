package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QueryLatencyTest {
  private long now = TimeUnit.HOURS.toNanos(5);
  private final QueryLatency latency = new QueryLatency(() -> now);

  /** Answers after advancing the clock by its next duration, as if handling took that long. */
  private HttpEndpoint taking(long... millis) {
    int[] calls = {0};
    return new HttpEndpoint() {
      @Override
      public CompletableFuture<HttpReply> handle(HttpCall call) {
        now += TimeUnit.MILLISECONDS.toNanos(millis[calls[0]++]);
        return CompletableFuture.completedFuture(HttpReply.json(io.netty.handler.codec.http.HttpResponseStatus.OK, "{}"));
      }
    };
  }

  @Test
  void snapshotCountsRequestsOfEachEndpointOfTheService() {
    Map<String, HttpEndpoint> endpoints = QueryService.endpoints(new FakeRollupReader(), QueryConfig.defaults(), latency);

    Calls.answer(endpoints.get("/v1/events"), Calls.get("/v1/events"));
    Calls.answer(endpoints.get("/v1/events"), Calls.get("/v1/events"));
    Calls.answer(endpoints.get("/v1/rollups"), Calls.get("/v1/rollups?from=0"));

    Map<String, QueryLatency.Snapshot> snapshot = latency.snapshot();
    assertThat(snapshot).containsOnlyKeys("/", "/v1/events", "/v1/instances", "/v1/rollups", "/v1/raw");
    assertThat(snapshot.get("/v1/events").count()).isEqualTo(2);
    assertThat(snapshot.get("/v1/rollups").count()).as("a refused request counts too").isEqualTo(1);
    assertThat(snapshot.get("/v1/instances").count()).isZero();
    assertThat(snapshot.get("/v1/instances").p99Seconds()).isNaN();
  }

  @Test
  void quantilesAndMaxCoverTheRecentWindowWhileCountAndSumAreCumulative() {
    HttpEndpoint endpoint = latency.timed("/x", taking(1, 2, 3, 4, 100, 7));
    for (int i = 0; i < 5; i++) {
      endpoint.handle(Calls.get("/x")).join();
    }

    QueryLatency.Snapshot recent = latency.snapshot().get("/x");
    assertThat(recent.count()).isEqualTo(5);
    assertThat(recent.windowCount()).isEqualTo(5);
    assertThat(recent.sumSeconds()).isCloseTo(0.110, within(1e-9));
    assertThat(recent.p50Seconds()).isCloseTo(0.003, within(0.003 * 0.001));
    assertThat(recent.p90Seconds()).isCloseTo(0.100, within(0.100 * 0.001));
    assertThat(recent.maxSeconds()).isCloseTo(0.100, within(0.100 * 0.001));

    now += TimeUnit.SECONDS.toNanos(61);
    endpoint.handle(Calls.get("/x")).join();

    QueryLatency.Snapshot later = latency.snapshot().get("/x");
    assertThat(later.count()).isEqualTo(6);
    assertThat(later.sumSeconds()).isCloseTo(0.117, within(1e-9));
    assertThat(later.windowCount()).as("only the request of the last minute").isEqualTo(1);
    assertThat(later.maxSeconds()).isCloseTo(0.007, within(0.007 * 0.001));
  }

  @Test
  void windowSlidesSliceBySliceWithoutNewRequests() {
    HttpEndpoint endpoint = latency.timed("/x", taking(5, 9));
    endpoint.handle(Calls.get("/x")).join();
    now += LatencyWindow.SLICE_NANOS * 2;
    endpoint.handle(Calls.get("/x")).join();

    now += LatencyWindow.SLICE_NANOS * (LatencyWindow.SLICES - 2);
    QueryLatency.Snapshot oneLeft = latency.snapshot().get("/x");
    now += LatencyWindow.SLICE_NANOS * 2;
    QueryLatency.Snapshot noneLeft = latency.snapshot().get("/x");

    assertThat(oneLeft.windowCount()).isEqualTo(1);
    assertThat(oneLeft.maxSeconds()).isCloseTo(0.009, within(0.009 * 0.001));
    assertThat(noneLeft.windowCount()).isZero();
    assertThat(noneLeft.p50Seconds()).isNaN();
    assertThat(noneLeft.count()).isEqualTo(2);
  }

  @Test
  void requestOlderThanTheWindowIsForgottenAfterALongQuietSpell() {
    HttpEndpoint endpoint = latency.timed("/x", taking(5));
    endpoint.handle(Calls.get("/x")).join();

    now += LatencyWindow.SLICE_NANOS * (LatencyWindow.SLICES + 1);
    QueryLatency.Snapshot quiet = latency.snapshot().get("/x");

    assertThat(quiet.count()).isEqualTo(1);
    assertThat(quiet.windowCount()).isZero();
    assertThat(quiet.maxSeconds()).isNaN();
  }
}
