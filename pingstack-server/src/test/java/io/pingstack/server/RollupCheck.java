package io.pingstack.server;

import static java.util.Objects.requireNonNull;

import io.pingstack.server.GroundTruth.Cell;
import io.pingstack.server.GroundTruth.Question;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Asks {@code /v1/rollups} one {@link Question} with every aggregate and compares the answer with
 * {@link GroundTruth}, bucket by bucket, to API.md's accuracy:
 * <ul>
 *   <li>the same series and the same non-empty buckets ({@code fill=none});
 *   <li>{@code count}, {@code min}, {@code max} exact;
 *   <li>{@code sum} and {@code avg} within 1e-9 of Σ|v| (and Σ|v|/n): floating-point addition in any
 *       order errs by at most n·ε·Σ|v| ≈ 1e-11·Σ|v| for our n, so this allows any order and
 *       catches a single lost or doubled value;
 *   <li>{@code distinct_instances} exact up to {@value #EXACT_DISTINCT} instances; above, within 2 %
 *       in at least 95 % of buckets (summarised in {@link #distinctWithin2Percent()}), never off by
 *       more than 10 % (a sketch of any sane size is 3σ inside that);
 *   <li>quantiles within 1 % of |v| at rank floor(q·(n-1)), plus {@value #QUANTILE_SLACK} absolute:
 *       {@link PingMix} values are multiples of 0.001, so the slack only matters when the true value
 *       is 0 and cannot hide a wrong non-zero bucket;
 *   <li>per-metric aggregates {@code null} where no ping in the bucket had the metric.
 * </ul>
 * Mismatches are counted; the first {@value #KEPT} are kept verbatim for the failure message.
 */
final class RollupCheck {
  static final String AGGS = "count,distinct_instances,sum,min,max,avg,p50,p90,p95,p99";
  private static final String[] QUANTILES = {"p50", "p90", "p95", "p99"};
  private static final long EXACT_DISTINCT = 32;
  private static final double QUANTILE_SLACK = 1e-6;
  private static final int KEPT = 30;

  private final GroundTruth truth;
  private final long fromMillis;
  private final long toMillis;
  private final List<String> mismatches = new ArrayList<>();
  private long mismatchCount;
  private long buckets;
  private long estimatedDistinct;
  private long estimatedDistinctWithin2Percent;

  RollupCheck(GroundTruth truth, long fromMillis, long toMillis) {
    this.truth = requireNonNull(truth, "truth");
    this.fromMillis = fromMillis;
    this.toMillis = toMillis;
  }

  /** The query string of {@code q} over this check's time range. */
  String path(Question q) {
    StringBuilder path = new StringBuilder("/v1/rollups?event=").append(encode(q.event()))
        .append("&from=").append(encode(Instant.ofEpochMilli(fromMillis).toString()))
        .append("&to=").append(encode(Instant.ofEpochMilli(toMillis).toString()))
        .append("&step=").append(q.step().code)
        .append("&agg=").append(encode(AGGS))
        .append("&metric=").append(encode(q.metric()))
        .append("&fill=none");
    if (!q.groupBy().isEmpty()) {
      path.append("&group_by=").append(encode(String.join(",", q.groupBy())));
    }
    if (q.filterField() != null) {
      path.append("&filter=").append(encode(q.filterField() + "=" + q.filterValue()));
    }
    return path.toString();
  }

  /** Asks the service on {@code port} and compares; a non-200 answer is one mismatch. */
  void check(int port, Question q) throws Exception {
    HttpResponse<String> response = Servers.get(port, path(q));
    if (response.statusCode() != 200) {
      mismatch(q, "status " + response.statusCode() + ": " + response.body());
      return;
    }
    compare(q, RollupAnswer.parse(response.body()));
  }

  /** Compares an answer to {@code q} with the truth. */
  void compare(Question q, RollupAnswer answer) {
    if (!q.event().equals(answer.event()) || !q.step().code.equals(answer.step())) {
      mismatch(q, "answer is for event " + answer.event() + " step " + answer.step());
    }
    Map<Map<String, String>, NavigableMap<Long, Cell>> expected = truth.answer(q);
    Set<Map<String, String>> groups = new HashSet<>(expected.keySet());
    groups.addAll(answer.series().keySet());
    for (Map<String, String> group : groups) {
      NavigableMap<Long, Cell> cells = expected.getOrDefault(group, new TreeMap<>());
      TreeMap<Long, Map<String, Double>> points = answer.series().getOrDefault(group, new TreeMap<>());
      Set<Long> times = new HashSet<>(cells.keySet());
      times.addAll(points.keySet());
      for (long t : times) {
        Cell cell = cells.get(t);
        Map<String, Double> point = points.get(t);
        String where = group + " at " + Instant.ofEpochMilli(t);
        if (cell == null) {
          mismatch(q, where + ": unexpected bucket " + point);
        } else if (point == null) {
          mismatch(q, where + ": missing bucket of " + cell.count() + " pings");
        } else {
          buckets++;
          comparePoint(q, where, cell, point);
        }
      }
    }
  }

  private void comparePoint(Question q, String where, Cell cell, Map<String, Double> point) {
    Double count = point.get("count");
    if (count == null || count != cell.count()) {
      mismatch(q, where + ": count " + count + ", expected " + cell.count());
    }
    compareDistinct(q, where, cell.distinctInstances(), point.get("distinct_instances"));
    if (!cell.hasMetric()) {
      for (String agg : List.of("sum", "min", "max", "avg", "p50", "p90", "p95", "p99")) {
        if (point.get(agg) != null || !point.containsKey(agg)) {
          mismatch(q, where + ": " + agg + " " + point.get(agg) + ", expected null (no ping had " + q.metric() + ")");
        }
      }
      return;
    }
    double scale = cell.sumOfMagnitudes();
    within(q, where, "sum", point.get("sum"), cell.sum(), 1e-9 * scale);
    within(q, where, "avg", point.get("avg"), cell.avg(), 1e-9 * scale / cell.valueCount());
    within(q, where, "min", point.get("min"), cell.min(), 0);
    within(q, where, "max", point.get("max"), cell.max(), 0);
    for (String quantile : QUANTILES) {
      double exact = cell.quantile(Integer.parseInt(quantile.substring(1)) / 100.0);
      within(q, where, quantile, point.get(quantile), exact, 0.01 * Math.abs(exact) + QUANTILE_SLACK);
    }
  }

  private void compareDistinct(Question q, String where, long exact, Double actual) {
    if (actual == null) {
      mismatch(q, where + ": distinct_instances null, expected " + exact);
      return;
    }
    long estimate = Math.round(actual);
    if (exact <= EXACT_DISTINCT) {
      if (estimate != exact) {
        mismatch(q, where + ": distinct_instances " + actual + ", expected exactly " + exact);
      }
      return;
    }
    double error = Math.abs(estimate - exact) / (double) exact;
    estimatedDistinct++;
    if (error <= 0.02) {
      estimatedDistinctWithin2Percent++;
    } else if (error > 0.10) {
      mismatch(q, where + ": distinct_instances " + actual + ", expected " + exact + " (off by " + Math.round(error * 100) + " %)");
    }
  }

  private void within(Question q, String where, String agg, Double actual, double exact, double tolerance) {
    if (actual == null || !(Math.abs(actual - exact) <= tolerance)) {
      mismatch(q, where + ": " + agg + " " + actual + ", expected " + exact + " ± " + tolerance);
    }
  }

  private void mismatch(Question q, String what) {
    mismatchCount++;
    if (mismatches.size() < KEPT) {
      mismatches.add(q + ": " + what);
    }
  }

  long mismatchCount() {
    return mismatchCount;
  }

  /** The first mismatches, verbatim. */
  List<String> mismatches() {
    return List.copyOf(mismatches);
  }

  /** Buckets present in both the answer and the truth, and compared. */
  long buckets() {
    return buckets;
  }

  /** Of the buckets with more than {@value #EXACT_DISTINCT} instances, the share whose estimate is within 2 %; 1 when none. */
  double distinctWithin2Percent() {
    return estimatedDistinct == 0 ? 1 : estimatedDistinctWithin2Percent / (double) estimatedDistinct;
  }

  long estimatedDistinctBuckets() {
    return estimatedDistinct;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
