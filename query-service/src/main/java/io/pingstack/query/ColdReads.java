package io.pingstack.query;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.engine.clickhouse.ClickHouseReads;
import io.pingstack.engine.clickhouse.ColdAggregate;
import io.pingstack.engine.clickhouse.RawPing;
import io.pingstack.gateway.ApiException;
import io.pingstack.rollups.Agg;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.RollupQuery;
import io.pingstack.rollups.RollupResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers from the ClickHouse cold store, off the event loops: a few reader threads and a short
 * queue; a full queue is {@code 503 cold_store_busy}, a ClickHouse failure {@code 503
 * cold_store_unavailable}, both with {@code Retry-After}. Rollup answers have the shape and order of
 * the hot reader's ({@link RollupResult}): series by group values, points by time, and with
 * {@code fill=zero} every bucket of the range.
 */
public final class ColdReads implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ColdReads.class);
  private static final int THREADS = 2;
  private static final int QUEUE = 32;

  private final ClickHouseReads reads;
  private final ThreadPoolExecutor executor;

  public ColdReads(ClickHouseReads reads) {
    this.reads = requireNonNull(reads, "reads");
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "cold-reads");
      t.setDaemon(true);
      return t;
    });
  }

  /** {@code query} answered from the raw pings; {@code aligned} is the hot reader's answer, for the aligned range. */
  CompletableFuture<RollupResult> rollups(RollupQuery query, RollupResult aligned) {
    long step = query.step().millis();
    ColdAggregate cold = new ColdAggregate(query.event(), aligned.fromMillis() * 1_000, aligned.toMillis() * 1_000, step * 1_000,
        query.groupBy().stream().map(Field::label).toList(), filters(query), query.metric(),
        query.aggs().stream().map(Agg::code).toList());
    return submit(() -> result(query, aligned, reads.aggregate(cold)));
  }

  CompletableFuture<List<RawPing>> raw(String instanceId, long fromMicros, long toMicros, int limit) {
    return submit(() -> reads.raw(instanceId, fromMicros, toMicros, limit));
  }

  private static Map<String, Set<String>> filters(RollupQuery query) {
    Map<String, Set<String>> filters = new HashMap<>();
    query.filters().forEach((field, values) -> filters.put(field.label(), values));
    return filters;
  }

  private static RollupResult result(RollupQuery query, RollupResult aligned, List<ColdAggregate.Row> rows) {
    long step = query.step().millis();
    TreeMap<String[], List<RollupResult.Point>> groups = new TreeMap<>(Arrays::compare);
    for (ColdAggregate.Row row : rows) {
      groups.computeIfAbsent(row.group().toArray(String[]::new), g -> new ArrayList<>())
          .add(new RollupResult.Point(row.bucket() * step, row.values()));
    }
    if (groups.isEmpty() && query.groupBy().isEmpty()) {
      groups.put(new String[0], new ArrayList<>());
    }
    List<RollupResult.Series> series = new ArrayList<>(groups.size());
    for (Map.Entry<String[], List<RollupResult.Point>> group : groups.entrySet()) {
      Map<String, String> labels = new HashMap<>();
      for (int i = 0; i < query.groupBy().size(); i++) {
        labels.put(query.groupBy().get(i).label(), group.getKey()[i]);
      }
      List<RollupResult.Point> points = query.fillZero() ? filled(query, aligned, group.getValue()) : group.getValue();
      series.add(new RollupResult.Series(labels, points));
    }
    return new RollupResult(aligned.fromMillis(), aligned.toMillis(), series);
  }

  /** Every bucket of the range: the ones with pings as they are, the others with count 0 and no other values. */
  private static List<RollupResult.Point> filled(RollupQuery query, RollupResult aligned, List<RollupResult.Point> points) {
    long step = query.step().millis();
    double[] empty = new double[query.aggs().size()];
    for (int i = 0; i < empty.length; i++) {
      empty[i] = query.aggs().get(i).perMetric() ? Double.NaN : 0;
    }
    List<RollupResult.Point> filled = new ArrayList<>();
    int next = 0;
    for (long t = aligned.fromMillis(); t < aligned.toMillis(); t += step) {
      if (next < points.size() && points.get(next).tMillis() == t) {
        filled.add(points.get(next++));
      } else {
        // Each point owns its array (RollupResult.Point).
        filled.add(new RollupResult.Point(t, empty.clone()));
      }
    }
    return filled;
  }

  private <T> CompletableFuture<T> submit(Supplier<T> read) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          answer.complete(read.get());
        } catch (RuntimeException e) {
          LOG.warn("cold read from ClickHouse failed: {}", e.getMessage(), e);
          answer.completeExceptionally(ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "cold_store_unavailable",
              "the cold store (ClickHouse) could not answer; the service log says why", 5));
        }
      });
    } catch (RejectedExecutionException e) {
      answer.completeExceptionally(ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "cold_store_busy",
          "too many cold-store reads in progress; retry shortly", 1));
    }
    return answer;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    reads.close();
  }
}
