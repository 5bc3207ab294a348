package io.pingstack.rollups;

import java.util.List;
import java.util.Map;

/**
 * The answer to a {@link RollupQuery}: one series per group (one in all without {@code group_by}),
 * series in a stable order (by group values), points in time order.
 *
 * @param fromMillis the query's start aligned down to its step
 * @param toMillis the query's end aligned down to its step
 */
public record RollupResult(long fromMillis, long toMillis, List<Series> series) {
  public RollupResult {
    series = List.copyOf(series);
  }

  /**
   * @param group the group's value per {@code group_by} field, keyed by {@link Field#label()}; a
   *     series without the property has the empty string
   */
  public record Series(Map<String, String> group, List<Point> points) {
    public Series {
      group = Map.copyOf(group);
      points = List.copyOf(points);
    }
  }

  /**
   * @param values one per {@link RollupQuery#aggs()}, in that order; NaN where the bucket has no
   *     value for it (a per-metric aggregate in a bucket where no ping carried the metric). The
   *     array is the point's own (not shared with the rollups); records compare it by identity.
   */
  @SuppressWarnings("ArrayRecordComponent") // a primitive array keeps thousands of points cheap
  public record Point(long tMillis, double[] values) {}
}
