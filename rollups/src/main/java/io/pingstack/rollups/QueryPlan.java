package io.pingstack.rollups;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link RollupQuery} checked against the configuration and resolved to series key positions,
 * then run over one event's series (under that event's read lock).
 *
 * <p>Series are filtered, then grouped by the values of the {@code group_by} fields; within a
 * group the timelines are walked together in bucket order and the cells of each bucket merged
 * ({@link BucketMerge}), so a query costs one pass over the cells in its range.
 */
final class QueryPlan {
  static final int MAX_BUCKETS = 10_000;

  private final RollupQuery query;
  private final long fromBucket;
  private final long toBucket;
  private final int[] groupPositions;
  private final String[] groupLabels;
  private final int[] filterPositions;
  private final List<Set<String>> filterValues = new ArrayList<>();

  private QueryPlan(RollupQuery query, List<String> dimensions) {
    this.query = query;
    for (Agg agg : query.aggs()) {
      if (agg.perMetric() && query.metric() == null) {
        throw new RollupQueryException("missing_metric", "the aggregate " + agg.code() + " needs a metric");
      }
    }
    groupPositions = new int[query.groupBy().size()];
    groupLabels = new String[groupPositions.length];
    for (int i = 0; i < groupPositions.length; i++) {
      Field field = query.groupBy().get(i);
      groupPositions[i] = position(field, dimensions);
      groupLabels[i] = field.label();
    }
    filterPositions = new int[query.filters().size()];
    int i = 0;
    for (Map.Entry<Field, Set<String>> filter : query.filters().entrySet()) {
      filterPositions[i++] = position(filter.getKey(), dimensions);
      filterValues.add(filter.getValue());
    }
    long step = query.step().millis();
    fromBucket = Math.floorDiv(query.fromMillis(), step);
    toBucket = Math.floorDiv(query.toMillis(), step);
    if (toBucket - fromBucket > MAX_BUCKETS) {
      throw new RollupQueryException(
          "too_many_buckets",
          "the range holds " + (toBucket - fromBucket) + " buckets of " + query.step().code() + ", at most " + MAX_BUCKETS
              + " are allowed: narrow the range or use a longer step");
    }
  }

  /** Throws {@link RollupQueryException} for a question that cannot be answered as asked. */
  static QueryPlan of(RollupQuery query, List<String> dimensions) {
    return new QueryPlan(query, dimensions);
  }

  private static int position(Field field, List<String> dimensions) {
    return switch (field.kind()) {
      case VERSION -> SeriesKey.VERSION;
      case DEPLOY_TYPE -> SeriesKey.DEPLOY_TYPE;
      case DIMENSION -> {
        int i = dimensions.indexOf(field.dimension());
        if (i < 0) {
          throw new RollupQueryException(
              "undeclared_dimension",
              "group_by and filter take only declared dimensions; declared: "
                  + (dimensions.isEmpty() ? "none" : String.join(", ", dimensions)));
        }
        yield SeriesKey.FIRST_DIMENSION + i;
      }
    };
  }

  RollupQuery query() {
    return query;
  }

  /** Runs the query over one event's series; {@code metric} is the query's metric id in the event, or -1. */
  RollupResult execute(Collection<Series> series, int metric) {
    Step step = query.step();
    TreeMap<String[], List<Series>> groups = new TreeMap<>(Arrays::compare);
    for (Series s : series) {
      if (matches(s.key) && hasCellsInRange(s.timeline(step))) {
        String[] group = new String[groupPositions.length];
        for (int i = 0; i < group.length; i++) {
          group[i] = s.key.value(groupPositions[i]);
        }
        groups.computeIfAbsent(group, g -> new ArrayList<>()).add(s);
      }
    }
    if (groups.isEmpty() && groupPositions.length == 0) {
      groups.put(new String[0], List.of());
    }
    BucketMerge merge = new BucketMerge(query.aggs(), metric);
    List<RollupResult.Series> out = new ArrayList<>(groups.size());
    for (Map.Entry<String[], List<Series>> group : groups.entrySet()) {
      Map<String, String> labels = new HashMap<>();
      for (int i = 0; i < groupLabels.length; i++) {
        labels.put(groupLabels[i], group.getKey()[i]);
      }
      out.add(new RollupResult.Series(labels, points(group.getValue(), merge)));
    }
    long stepMillis = step.millis();
    return new RollupResult(fromBucket * stepMillis, toBucket * stepMillis, out);
  }

  private boolean matches(SeriesKey key) {
    for (int i = 0; i < filterPositions.length; i++) {
      if (!filterValues.get(i).contains(key.value(filterPositions[i]))) {
        return false;
      }
    }
    return true;
  }

  private boolean hasCellsInRange(Timeline timeline) {
    int first = lowerBound(timeline, fromBucket);
    return first < timeline.size() && timeline.bucket(first) < toBucket;
  }

  /** One group's points: the walk over its timelines in bucket order. */
  private List<RollupResult.Point> points(List<Series> members, BucketMerge merge) {
    Step step = query.step();
    Timeline[] timelines = new Timeline[members.size()];
    int[] cursors = new int[timelines.length];
    for (int i = 0; i < timelines.length; i++) {
      timelines[i] = members.get(i).timeline(step);
      cursors[i] = lowerBound(timelines[i], fromBucket);
    }
    List<RollupResult.Point> points = new ArrayList<>();
    long bucket = query.fillZero() ? fromBucket : next(timelines, cursors);
    while (bucket < toBucket) {
      merge.reset();
      boolean any = false;
      for (int i = 0; i < timelines.length; i++) {
        if (cursors[i] < timelines[i].size() && timelines[i].bucket(cursors[i]) == bucket) {
          merge.add(timelines[i].cell(cursors[i]++));
          any = true;
        }
      }
      if (any || query.fillZero()) {
        points.add(new RollupResult.Point(bucket * step.millis(), any ? merge.values() : merge.emptyValues()));
      }
      bucket = query.fillZero() ? bucket + 1 : next(timelines, cursors);
    }
    return points;
  }

  /** The earliest bucket at the cursors, or {@code toBucket} when every timeline is past the range. */
  private long next(Timeline[] timelines, int[] cursors) {
    long next = toBucket;
    for (int i = 0; i < timelines.length; i++) {
      if (cursors[i] < timelines[i].size()) {
        next = Math.min(next, timelines[i].bucket(cursors[i]));
      }
    }
    return next;
  }

  private static int lowerBound(Timeline timeline, long bucket) {
    if (bucket > Integer.MAX_VALUE) {
      return timeline.size();
    }
    return timeline.lowerBound((int) Math.max(Integer.MIN_VALUE, bucket));
  }
}
