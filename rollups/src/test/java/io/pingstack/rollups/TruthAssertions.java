package io.pingstack.rollups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** Compares a rollup answer with {@link GroundTruth}, aggregate by aggregate, at the API's accuracy. */
final class TruthAssertions {
  /** Tolerances: distinct instances exact (0) or relative; quantiles relative to the true value at the rank. */
  record Tolerance(double distinct, double quantile) {}

  static final Tolerance EXACT = new Tolerance(0, 0);
  static final Tolerance API = new Tolerance(0.02, 0.01);

  private TruthAssertions() {}

  static void assertMatches(RollupResult result, RollupQuery q, List<TestPing> pings, Tolerance tolerance) {
    Map<List<String>, NavigableMap<Long, GroundTruth.Bucket>> truth = GroundTruth.of(pings, q);
    assertThat(result.series()).hasSize(q.groupBy().isEmpty() ? 1 : truth.size());
    for (RollupResult.Series series : result.series()) {
      NavigableMap<Long, GroundTruth.Bucket> expected = truth.getOrDefault(GroundTruth.groupOf(series, q), new TreeMap<>());
      assertThat(series.points()).extracting(RollupResult.Point::tMillis).containsExactlyElementsOf(expected.keySet());
      for (RollupResult.Point point : series.points()) {
        GroundTruth.Bucket b = expected.get(point.tMillis());
        for (int i = 0; i < q.aggs().size(); i++) {
          Agg agg = q.aggs().get(i);
          double actual = point.values()[i];
          String where = agg.code() + " of " + series.group() + " at " + point.tMillis();
          assertAgg(agg, actual, b, tolerance, where);
        }
      }
    }
  }

  private static void assertAgg(Agg agg, double actual, GroundTruth.Bucket b, Tolerance tolerance, String where) {
    if (agg == Agg.COUNT) {
      assertThat(actual).as(where).isEqualTo((double) b.pings);
      return;
    }
    if (agg == Agg.DISTINCT_INSTANCES) {
      int n = b.instances.size();
      assertThat(actual).as(where).isCloseTo(n, within(tolerance.distinct() * n));
      return;
    }
    if (b.values.isEmpty()) {
      assertThat(actual).as(where).isNaN();
      return;
    }
    double sum = b.sum();
    double expected = switch (agg) {
      case SUM -> sum;
      case MIN -> b.min();
      case MAX -> b.max();
      case AVG -> sum / b.values.size();
      default -> b.atRank(agg.quantile());
    };
    double allowed = Double.isNaN(agg.quantile()) ? 1e-9 * (1 + Math.abs(expected)) : tolerance.quantile() * Math.abs(expected);
    assertThat(actual).as(where).isCloseTo(expected, within(allowed));
  }
}
