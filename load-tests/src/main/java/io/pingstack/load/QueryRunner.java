package io.pingstack.load;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP/1.1 benchmark of GET queries on the {@link ClosedLoop} machinery: each of
 * {@code connections} keep-alive connections sends one query, waits for the whole answer and sends
 * the next, cycling through the queries (connection {@code i} starts at query {@code i}, so that
 * every query is in flight about equally often; a slot keeps its place in the cycle across
 * reconnects). Warmup, measured window and unanswered requests work as in {@link LoadGenerator}.
 */
final class QueryRunner implements ClosedLoop.Client<QueryResult> {
  private static final int MAX_ANSWER_BYTES = 64 << 20;
  /** Latencies above this are recorded as this. */
  private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);

  private final QueryOptions options;
  private final String hostHeader;
  private final String[] targets;
  /** The query each connection sends next. */
  private final int[] next;
  private Tally[] tallies;

  private QueryRunner(QueryOptions options) {
    this.options = options;
    this.hostHeader = Args.hostHeader(options.url());
    this.targets = options.queries().stream().map(options::target).toArray(String[]::new);
    this.tallies = newTallies();
    this.next = new int[options.connections()];
    for (int i = 0; i < next.length; i++) {
      next[i] = i % targets.length;
    }
  }

  /**
   * Runs the benchmark and returns the measured window's figures. An interrupt of the calling
   * thread ends the run early (the interrupt is consumed) and returns what was measured until then.
   */
  static QueryResult run(QueryOptions options) {
    InetSocketAddress address = new InetSocketAddress(options.url().getHost(), Args.port(options.url()));
    return ClosedLoop.run(new ClosedLoop.Settings("query", address, options.connections(), MAX_ANSWER_BYTES,
        options.warmup(), options.duration()), new QueryRunner(options));
  }

  @Override
  public FullHttpRequest request(int slot, ByteBufAllocator alloc) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, targets[next[slot]]);
    request.headers().set(HttpHeaderNames.HOST, hostHeader).set(HttpHeaderNames.ACCEPT, "application/json");
    if (options.token() != null) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token());
    }
    return request;
  }

  @Override
  public Duration answered(int slot, FullHttpResponse answer, long latencyNanos, long serviceNanos) {
    if (answer.status().code() == 200) {
      tallies[next[slot]].answered(latencyNanos, answer.content().readableBytes());
    } else {
      tallies[next[slot]].error(Integer.toString(answer.status().code()));
    }
    next[slot] = (next[slot] + 1) % targets.length;
    return Duration.ZERO;
  }

  @Override
  public void connectFailed(int slot) {
    tallies[next[slot]].error("connect");
  }

  @Override
  public void closed(int slot, boolean requestLost) {
    if (requestLost) {
      tallies[next[slot]].error("closed");
      next[slot] = (next[slot] + 1) % targets.length;
    }
  }

  @Override
  public boolean finished() {
    return false;
  }

  @Override
  public void startWindow() {
    tallies = newTallies();
  }

  @Override
  public QueryResult result(ClosedLoop.Window window) {
    List<QueryResult.PerQuery> perQuery = new ArrayList<>();
    for (int i = 0; i < targets.length; i++) {
      perQuery.add(tallies[i].result(options.queries().get(i).name(), targets[i]));
    }
    return new QueryResult(options.url().toString(), next.length, window.measuredNanos() / 1e9, window.unanswered(),
        perQuery);
  }

  private Tally[] newTallies() {
    Tally[] fresh = new Tally[targets.length];
    for (int i = 0; i < fresh.length; i++) {
      fresh[i] = new Tally();
    }
    return fresh;
  }

  /** What one query saw in the current window. */
  private static final class Tally {
    private final Histogram latencyMicros = new Histogram(MAX_LATENCY_MICROS, 3);
    private final Map<String, Long> errors = new TreeMap<>();
    private long requests;
    private long bytes;

    void answered(long latencyNanos, int answerBytes) {
      latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, latencyNanos / 1000)));
      requests++;
      bytes += answerBytes;
    }

    void error(String kind) {
      errors.merge(kind, 1L, Long::sum);
    }

    QueryResult.PerQuery result(String name, String target) {
      return new QueryResult.PerQuery(name, target, requests, latencyMicros.getValueAtPercentile(50),
          latencyMicros.getValueAtPercentile(90), latencyMicros.getValueAtPercentile(99),
          latencyMicros.getMaxValue(), requests == 0 ? 0 : bytes / requests, errors);
    }
  }
}
