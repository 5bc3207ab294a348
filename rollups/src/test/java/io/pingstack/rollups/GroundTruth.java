package io.pingstack.rollups;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a rollup query must answer, computed the slow way from the raw pings: per group and bucket,
 * the pings, their distinct instances and the metric's values.
 */
final class GroundTruth {
  /** The raw material of one bucket of one group. */
  static final class Bucket {
    long pings;
    final Set<String> instances = new HashSet<>();
    final List<Double> values = new ArrayList<>();

    double sum() {
      double s = 0;
      for (double v : values) {
        s += v;
      }
      return s;
    }

    double min() {
      return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
      return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** The value at 0-based rank floor(q * (n - 1)) of the sorted values. */
    double atRank(double q) {
      double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(sorted);
      return sorted[(int) Math.floor(q * (sorted.length - 1))];
    }
  }

  private GroundTruth() {}

  /** Group values (in group_by order) to bucket start to raw material, for the pings the query selects. */
  static Map<List<String>, NavigableMap<Long, Bucket>> of(List<TestPing> pings, RollupQuery query) {
    Step step = query.step();
    long from = step.alignDown(query.fromMillis());
    long to = step.alignDown(query.toMillis());
    Map<List<String>, NavigableMap<Long, Bucket>> groups = new HashMap<>();
    for (TestPing p : pings) {
      long bucket = step.alignDown(p.t);
      if (!p.event.equals(query.event()) || bucket < from || bucket >= to || !matches(p, query)) {
        continue;
      }
      List<String> group = new ArrayList<>();
      for (Field f : query.groupBy()) {
        group.add(p.field(f));
      }
      Bucket b = groups.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(bucket, k -> new Bucket());
      b.pings++;
      b.instances.add(p.instance);
      Double value = query.metric() == null ? null : p.metric(query.metric());
      if (value != null) {
        b.values.add(value);
      }
    }
    return groups;
  }

  private static boolean matches(TestPing p, RollupQuery query) {
    for (Map.Entry<Field, Set<String>> filter : query.filters().entrySet()) {
      if (!filter.getValue().contains(p.field(filter.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** The group of a result series as the list GroundTruth keys it by. */
  static List<String> groupOf(RollupResult.Series series, RollupQuery query) {
    List<String> group = new ArrayList<>();
    for (Field f : query.groupBy()) {
      group.add(series.group().get(f.label()));
    }
    return group;
  }
}
