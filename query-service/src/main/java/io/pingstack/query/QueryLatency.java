package io.pingstack.query;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpRequest;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Handling time of each query endpoint, by path, recorded with HdrHistogram. A request's time runs
 * from the call of the endpoint's {@code handle} to the completion of its answer (success or
 * error, the JSON written, the token checked); it excludes network and queueing time and requests
 * refused from their headers alone (405, 401 before the body), which the gateway's own request
 * metrics count. Thread-safe.
 */
public final class QueryLatency {
  private final LongSupplier nanoClock;
  private final Map<String, LatencyWindow> windows = new ConcurrentHashMap<>();

  public QueryLatency() {
    this(System::nanoTime);
  }

  QueryLatency(LongSupplier nanoClock) {
    this.nanoClock = requireNonNull(nanoClock, "nanoClock");
  }

  /**
   * What one endpoint took, for a Prometheus summary.
   *
   * @param count requests handled since start (cumulative, never decreases)
   * @param sumSeconds their total handling time in seconds (cumulative)
   * @param windowCount requests in the recent window: those completed in the current ten-second
   *     slice and the five before it (50 to 60 seconds, by the monotonic clock)
   * @param p50Seconds the median over the window, NaN when {@code windowCount} is 0; like the other
   *     quantiles, within 0.1 % of the recorded value (3 significant digits) at a resolution of 1 µs
   * @param p90Seconds the 90th percentile over the window, NaN when it is empty
   * @param p99Seconds the 99th percentile over the window, NaN when it is empty
   * @param maxSeconds the longest request in the window, NaN when it is empty
   */
  public record Snapshot(
      long count,
      double sumSeconds,
      long windowCount,
      double p50Seconds,
      double p90Seconds,
      double p99Seconds,
      double maxSeconds) {}

  /** Per endpoint path (each one wired through {@link QueryService}), by path order. */
  public Map<String, Snapshot> snapshot() {
    long now = nanoClock.getAsLong();
    Map<String, Snapshot> snapshots = new TreeMap<>();
    windows.forEach((path, window) -> snapshots.put(path, window.snapshot(now)));
    return Collections.unmodifiableMap(snapshots);
  }

  /** {@code endpoint}, with its handling time recorded under {@code path}. */
  HttpEndpoint timed(String path, HttpEndpoint endpoint) {
    LatencyWindow window = windows.computeIfAbsent(path, p -> new LatencyWindow(nanoClock.getAsLong()));
    return new Timed(window, endpoint, nanoClock);
  }

  private static final class Timed implements HttpEndpoint {
    private final LatencyWindow window;
    private final HttpEndpoint endpoint;
    private final LongSupplier clock;

    Timed(LatencyWindow window, HttpEndpoint endpoint, LongSupplier clock) {
      this.window = window;
      this.endpoint = endpoint;
      this.clock = clock;
    }

    @Override
    public long maxBodyBytes() {
      return endpoint.maxBodyBytes();
    }

    @Override
    public ApiException precheck(HttpRequest request) {
      return endpoint.precheck(request);
    }

    @Override
    public CompletableFuture<HttpReply> handle(HttpCall call) {
      long start = clock.getAsLong();
      CompletableFuture<HttpReply> reply;
      try {
        reply = endpoint.handle(call);
      } catch (RuntimeException e) {
        window.record(start, clock.getAsLong());
        throw e;
      }
      return reply.whenComplete((ok, error) -> window.record(start, clock.getAsLong()));
    }
  }
}
