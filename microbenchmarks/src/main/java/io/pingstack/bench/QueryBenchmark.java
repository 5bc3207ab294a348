package io.pingstack.bench;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import io.pingstack.query.QueryConfig;
import io.pingstack.query.QueryLatency;
import io.pingstack.query.QueryService;
import io.pingstack.rollups.Agg;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.RollupQuery;
import io.pingstack.rollups.RollupResult;
import io.pingstack.rollups.Step;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The three dashboard queries of issue 7 over the 7 days up to the next full hour, on {@code
 * search.executed} (a fifth of {@link #loadedPings}), answered from the hot rollup cells: {@link
 * #endpoint} through {@code GET /v1/rollups} as the query service wires it (parameters parsed, the
 * cells merged, the JSON written, the latency recorded; no network), {@link #reader} through {@link
 * io.pingstack.rollups.RollupReader#read} alone. Scores are per query. Not final: JMH subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class QueryBenchmark {
  /** Pings in the rollups, spread over the last 7 days. */
  @Param("1000000")
  public int loadedPings;

  /** Which dashboard query. */
  @Param({"count_per_hour", "distinct_instances_per_version_per_day", "p95_per_hour"})
  public String query;

  private BenchRollups rollups;
  private HttpEndpoint rollupsEndpoint;
  private HttpCall call;
  private RollupQuery rollupQuery;

  @Setup
  public void setup() throws IOException {
    rollups = BenchRollups.load(loadedPings, 19);
    rollupsEndpoint = QueryService.endpoints(rollups.sink, QueryConfig.defaults(), new QueryLatency()).get("/v1/rollups");
    long to = Step.HOUR.alignDown(rollups.loadedAtMillis) + Step.HOUR.millis();
    long from = to - BenchRollups.SPREAD.toMillis();
    Map<String, List<String>> params = new LinkedHashMap<>();
    params.put("event", List.of(BenchPings.QUERY_EVENT));
    params.put("from", List.of(Long.toString(from)));
    params.put("to", List.of(Long.toString(to)));
    switch (query) {
      case "count_per_hour" -> {
        params.put("step", List.of("1h"));
        params.put("agg", List.of("count"));
        rollupQuery = query(from, to, Step.HOUR, Agg.COUNT, null, List.of());
      }
      case "distinct_instances_per_version_per_day" -> {
        params.put("step", List.of("1d"));
        params.put("agg", List.of("distinct_instances"));
        params.put("group_by", List.of("version"));
        rollupQuery = query(from, to, Step.DAY, Agg.DISTINCT_INSTANCES, null, List.of(Field.VERSION));
      }
      case "p95_per_hour" -> {
        params.put("step", List.of("1h"));
        params.put("agg", List.of("p95"));
        params.put("metric", List.of(BenchPings.QUERY_METRIC));
        rollupQuery = query(from, to, Step.HOUR, Agg.P95, BenchPings.QUERY_METRIC, List.of());
      }
      default -> throw new IllegalArgumentException("unknown query " + query);
    }
    call = new HttpCall(HttpMethod.GET, "/v1/rollups", Map.copyOf(params), new DefaultHttpHeaders(), new byte[0], "127.0.0.1");
  }

  private static RollupQuery query(long from, long to, Step step, Agg agg, String metric, List<Field> groupBy) {
    return new RollupQuery(BenchPings.QUERY_EVENT, from, to, step, List.of(agg), metric, groupBy, Map.of(), false);
  }

  @TearDown
  public void tearDown() {
    rollups.close();
  }

  /** The HTTP answer, its JSON body written. */
  @Benchmark
  public HttpReply endpoint() {
    return rollupsEndpoint.handle(call).join();
  }

  /** The cells merged into series, no JSON. */
  @Benchmark
  public RollupResult reader() {
    return rollups.sink.read(rollupQuery);
  }
}
