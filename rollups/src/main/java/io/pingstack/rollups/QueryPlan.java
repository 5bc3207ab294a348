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
 * <p>Series are filtered, then grouped by the values of the {@code group_by} fields; for each group
 * the buckets in range are walked in order and the group's cells of each bucket merged ({@link
 * BucketMerge}). The group's cell of a bucket (its merge when there are several) is kept in a
 * {@link MergeCache}, so the next query of the same shape reads one cell per bucket while the
 * bucket is unchanged; a group with no more cells than the event has buckets reads its cells.
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
  /** The positions as lists, for {@link MergeCache.ViewKey}. */
  private final List<Integer> groupKey;
  private final List<Integer> filterKey;

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
    groupKey = Arrays.stream(groupPositions).boxed().toList();
    filterKey = Arrays.stream(filterPositions).boxed().toList();
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

  /**
   * Runs the query over the series of {@code event} (null: an event never seen, no series) and the
   * versions of its buckets at the query's step; {@code metric} is the query's metric id in the
   * event, or -1. Cells are looked up in and kept in {@code cache} (null: none kept).
   */
  RollupResult execute(
      EventRollup event, Collection<Series> series, int metric, MergeCache cache, Timeline<EventRollup.BucketVersion> versions) {
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
    long eventBuckets = lowerBound(versions, toBucket) - lowerBound(versions, fromBucket);
    List<RollupResult.Series> out = new ArrayList<>(groups.size());
    for (Map.Entry<String[], List<Series>> group : groups.entrySet()) {
      Map<String, String> labels = new HashMap<>();
      for (int i = 0; i < groupLabels.length; i++) {
        labels.put(groupLabels[i], group.getKey()[i]);
      }
      PointList points = new PointList(merge);
      List<Series> members = group.getValue();
      if (cache == null || !moreCellsThan(members, eventBuckets)) {
        walkCells(members, merge, points);
      } else {
        MergeCache.View view = cache.view(new MergeCache.ViewKey(
            event, step, filterKey, filterValues, groupKey, Arrays.asList(group.getKey())));
        walkVersions(members, merge, cache, view, versions, points);
      }
      out.add(new RollupResult.Series(labels, points.finish()));
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

  private boolean hasCellsInRange(Timeline<Cell> timeline) {
    int first = lowerBound(timeline, fromBucket);
    return first < timeline.size() && timeline.bucket(first) < toBucket;
  }

  /** Whether the members hold more than {@code buckets} cells in range (counted until they do). */
  private boolean moreCellsThan(List<Series> members, long buckets) {
    long n = 0;
    for (Series s : members) {
      Timeline<Cell> timeline = s.timeline(query.step());
      n += lowerBound(timeline, toBucket) - lowerBound(timeline, fromBucket);
      if (n > buckets) {
        return true;
      }
    }
    return false;
  }

  /**
   * One group's points from its cells, the members' timelines walked together in bucket order: for
   * a group with no more cells in range than its event has buckets there (one series, or a few
   * sparse ones), and when no cells are kept.
   */
  private void walkCells(List<Series> members, BucketMerge merge, PointList out) {
    List<Timeline<Cell>> timelines = new ArrayList<>(members.size());
    int[] cursors = new int[members.size()];
    for (int i = 0; i < cursors.length; i++) {
      timelines.add(members.get(i).timeline(query.step()));
      cursors[i] = lowerBound(timelines.get(i), fromBucket);
    }
    for (long bucket = next(timelines, cursors); bucket < toBucket; bucket = next(timelines, cursors)) {
      merge.reset();
      for (int i = 0; i < cursors.length; i++) {
        Timeline<Cell> timeline = timelines.get(i);
        if (cursors[i] < timeline.size() && timeline.bucket(cursors[i]) == bucket) {
          merge.add(timeline.value(cursors[i]++));
        }
      }
      out.add(bucket);
    }
  }

  /** The earliest bucket at the cursors, or {@code toBucket} when every timeline is past the range. */
  private long next(List<Timeline<Cell>> timelines, int[] cursors) {
    long next = toBucket;
    for (int i = 0; i < cursors.length; i++) {
      Timeline<Cell> timeline = timelines.get(i);
      if (cursors[i] < timeline.size()) {
        next = Math.min(next, timeline.bucket(cursors[i]));
      }
    }
    return next;
  }

  /**
   * One group's points from the event's buckets in range, each answered from the cell {@code cache}
   * keeps for the group at the bucket's version, else from the group's cells there (merged and kept
   * when there are several).
   */
  private void walkVersions(
      List<Series> members, BucketMerge merge, MergeCache cache, MergeCache.View view,
      Timeline<EventRollup.BucketVersion> versions, PointList out) {
    Cell[] found = new Cell[members.size()];
    for (int i = lowerBound(versions, fromBucket); i < versions.size() && versions.bucket(i) < toBucket; i++) {
      int bucket = versions.bucket(i);
      long version = versions.value(i).value;
      Cell cell = cache.get(view, bucket, version);
      merge.reset();
      if (cell == null) {
        int n = 0;
        for (Series member : members) {
          Cell c = member.timeline(query.step()).get(bucket);
          if (c != null) {
            found[n++] = c;
          }
        }
        cell = n == 0 ? MergeCache.NO_CELLS : n == 1 ? found[0] : Cell.merged(found, n);
        if (cell == null) { // too many pings for one cell: merged here, not kept
          for (int k = 0; k < n; k++) {
            merge.add(found[k]);
          }
        } else {
          cache.put(view, bucket, version, cell, n > 1);
        }
      }
      if (cell != MergeCache.NO_CELLS) {
        if (cell != null) {
          merge.add(cell);
        }
        out.add(bucket);
      }
    }
  }

  /** A group's points in bucket order, with the empty ones {@code fill=zero} asks for. */
  private final class PointList {
    private final BucketMerge merge;
    private final List<RollupResult.Point> points = new ArrayList<>();
    /** The first bucket not yet given a point. */
    private long next = fromBucket;

    PointList(BucketMerge merge) {
      this.merge = merge;
    }

    /** The point of {@code bucket}: the merge's values of the cells added since its reset. */
    void add(long bucket) {
      fillTo(bucket);
      points.add(new RollupResult.Point(bucket * query.step().millis(), merge.values()));
      next = bucket + 1;
    }

    List<RollupResult.Point> finish() {
      fillTo(toBucket);
      return points;
    }

    private void fillTo(long bucket) {
      for (; query.fillZero() && next < bucket; next++) {
        points.add(new RollupResult.Point(next * query.step().millis(), merge.emptyValues()));
      }
    }
  }

  private static int lowerBound(Timeline<?> timeline, long bucket) {
    if (bucket > Integer.MAX_VALUE) {
      return timeline.size();
    }
    return timeline.lowerBound((int) Math.max(Integer.MIN_VALUE, bucket));
  }
}
