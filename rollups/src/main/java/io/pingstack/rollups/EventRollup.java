package io.pingstack.rollups;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Everything kept about one event: its catalog entry and its series' cells. One read-write lock
 * guards it all. A ping is counted in the catalog under one hold of the write lock ({@link #stage})
 * and in its cells of every step under one more ({@link #applyStaged}), so a query (under the read
 * lock) sees it in all of its cells or in none, and queries of other events never wait on it.
 */
final class EventRollup {
  /** Most metric names (and, separately, dimension keys) one event keeps. */
  static final int MAX_NAMES = 256;

  private static final Step[] STEPS = Step.values();
  /** The most pings {@link #applyStaged} counts under one hold of the write lock. */
  static final int PINGS_PER_LOCK = 128;
  private static final long NOT_KEPT = Long.MIN_VALUE;

  final String name;
  private final String[] dimensionKeys;
  private final Retention retention;
  private final SeriesBudget budget;
  private final RollupMetrics metrics;
  /** Merged cells of this event's query groups, shared with every event; null: none kept. */
  private final MergeCache merged;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  private final HashMap<SeriesKey, Series> series = new HashMap<>();
  /**
   * Per step, every bucket a series has a cell of (and those a swap emptied), with the {@link
   * #changes} at which a cell of it last changed: a query walks these buckets, and {@link
   * MergeCache} keeps a merged cell only while its bucket keeps its version.
   */
  private final EnumMap<Step, Timeline<BucketVersion>> versions = new EnumMap<>(Step.class);
  /** Counts the changes to this event's cells. */
  private long changes;
  private final HashMap<String, Integer> metricIds = new HashMap<>();
  private final List<String> metricNames = new ArrayList<>();
  private final HashSet<String> dimensionsSeen = new HashSet<>();
  private long count;
  private long firstSeen = Long.MAX_VALUE;
  private long lastSeen = Long.MIN_VALUE;
  private long cappedPings;
  private boolean removed;

  /** Applying thread only, under the write lock. */
  private final SeriesKey probe;
  private int[] metricScratch = new int[8];

  EventRollup(
      String name, String[] dimensionKeys, Retention retention, SeriesBudget budget, RollupMetrics metrics, MergeCache merged) {
    this.name = name;
    this.merged = merged;
    this.dimensionKeys = dimensionKeys;
    this.retention = retention;
    this.budget = budget;
    this.metrics = metrics;
    this.probe = SeriesKey.probe(dimensionKeys.length);
    for (Step step : STEPS) {
      versions.put(step, new Timeline<>());
    }
  }

  /**
   * The first pass of a batch ({@link Rollups#apply(int, java.util.function.IntFunction)}): counts
   * {@code ping} in the catalog, finds its series (making it when there is room) and stages it
   * there when a step still retains its buckets ({@code firstKept}, per step). Returns false, having
   * done nothing, when eviction has removed this event: the caller must look the event up again.
   */
  boolean stage(PingView ping, long instanceHash, long[] firstKept, StagedPings staged) {
    lock.writeLock().lock();
    try {
      if (removed) {
        return false;
      }
      long t = ping.timestampMillis();
      count++;
      firstSeen = Math.min(firstSeen, t);
      lastSeen = Math.max(lastSeen, t);
      int metricCount = ping.metricCount();
      int[] ids = metricIds(ping, metricCount);
      for (int i = 0, n = ping.dimensionCount(); i < n && dimensionsSeen.size() < MAX_NAMES; i++) {
        String key = ping.dimensionKey(i);
        if (key != null) {
          dimensionsSeen.add(key);
        }
      }
      if (!anyKept(t, firstKept)) {
        return true;
      }
      Series target = seriesOf(ping);
      if (target == null) {
        cappedPings++;
        metrics.seriesCapped();
        return true;
      }
      staged.add(this, target, t, instanceHash, ping, ids, metricCount);
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whether a step still keeps the bucket of {@code t}. */
  private static boolean anyKept(long t, long[] firstKept) {
    for (Step step : STEPS) {
      if (kept(t, step, firstKept) != NOT_KEPT) {
        return true;
      }
    }
    return false;
  }

  /** The bucket of {@code t} at {@code step} when the step still keeps it, else {@link #NOT_KEPT}. */
  private static long kept(long t, Step step, long[] firstKept) {
    long bucket = Math.floorDiv(t, step.millis());
    return bucket < firstKept[step.ordinal()] || bucket > Integer.MAX_VALUE ? NOT_KEPT : bucket;
  }

  /**
   * The second pass: counts the pings {@link #stage} staged for series {@code s} of {@code staged},
   * one of this event's, in every cell of theirs still retained, in log order. Takes the write lock
   * for at most {@value #PINGS_PER_LOCK} pings at a time, so a query waits for no more than that.
   */
  void applyStaged(int s, StagedPings staged, long[] firstKept) {
    Series target = staged.series(s);
    long[] buckets = new long[STEPS.length];
    Cell[] cells = new Cell[STEPS.length];
    for (int at = staged.first(s), end = staged.end(s); at < end; ) {
      lock.writeLock().lock();
      try {
        long changed = ++changes;
        Arrays.fill(buckets, NOT_KEPT);
        for (int n = 0; at < end && n < PINGS_PER_LOCK; n++, at = staged.next(at)) {
          long t = staged.time(at);
          for (Step step : STEPS) {
            long bucket = kept(t, step, firstKept);
            if (bucket == NOT_KEPT) {
              continue;
            }
            int i = step.ordinal();
            if (buckets[i] != bucket) {
              buckets[i] = bucket;
              cells[i] = target.toChange(step, (int) bucket, target.timeline(step).getOrCreate((int) bucket, Cell::new));
              versions.get(step).getOrCreate((int) bucket, BucketVersion::new).value = changed;
            }
            cells[i].count(staged.instanceHash(at), staged.position(at));
            staged.addValuesTo(cells[i], at);
          }
        }
      } finally {
        lock.writeLock().unlock();
      }
    }
  }

  /** The ping's metric ids in this event (-1 for one left out), in the first {@code n} slots. */
  private int[] metricIds(PingView ping, int n) {
    if (metricScratch.length < n) {
      metricScratch = new int[n];
    }
    for (int i = 0; i < n; i++) {
      String metric = ping.metricName(i);
      if (metric == null) {
        metricScratch[i] = -1;
        continue;
      }
      Integer id = metricIds.get(metric);
      if (id == null && metricNames.size() < MAX_NAMES) {
        id = metricNames.size();
        metricNames.add(metric);
        metricIds.put(metric, id);
      }
      if (id == null) {
        metrics.metricNamesCapped();
      }
      metricScratch[i] = id == null ? -1 : id;
    }
    return metricScratch;
  }

  private Series seriesOf(PingView ping) {
    Series found = series.get(probe.fill(ping, dimensionKeys));
    if (found == null && budget.tryTake()) {
      found = new Series(probe.copy());
      series.put(found.key, found);
    }
    return found;
  }

  /**
   * The lowest {@link Cell#firstPosition} among the cells of {@code bucket} at {@code step} (one per
   * series that has one); {@code Long.MAX_VALUE} when there is none.
   */
  long firstPosition(Step step, int bucket) {
    lock.readLock().lock();
    try {
      long first = Long.MAX_VALUE;
      for (Series s : series.values()) {
        Cell cell = s.timeline(step).get(bucket);
        if (cell != null) {
          first = Math.min(first, cell.firstPosition);
        }
      }
      return first;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The ping's metric ids in this event, as {@link #apply} finds them, into {@code ids} (grown as
   * needed, returned), without adding names: for a rebuild of pings this event has already applied,
   * which know every name. Any thread.
   */
  int[] knownMetricIds(PingView ping, int[] ids) {
    int n = ping.metricCount();
    int[] out = ids.length < n ? new int[n] : ids;
    lock.readLock().lock();
    try {
      for (int i = 0; i < n; i++) {
        String metric = ping.metricName(i);
        Integer id = metric == null ? null : metricIds.get(metric);
        out[i] = id == null ? -1 : id;
      }
    } finally {
      lock.readLock().unlock();
    }
    return out;
  }

  /**
   * Replaces the cells of the given buckets (per step, ascending) in every series with the cells of
   * {@code rebuilt} (series keyed as here, holding cells of those buckets only), under the write lock:
   * a query sees the old cells or the new ones, never a mix. Series left without cells are dropped;
   * a new series takes room under the cap, and its cells are left out (counted) when there is none.
   * The merged cells kept for this event's queries are dropped with them.
   */
  SwapCounts swap(Map<SeriesKey, Series> rebuilt, Map<Step, int[]> buckets) {
    lock.writeLock().lock();
    try {
      if (merged != null) {
        merged.forget(this);
      }
      long changed = ++changes;
      for (Map.Entry<Step, int[]> step : buckets.entrySet()) {
        for (int bucket : step.getValue()) {
          versions.get(step.getKey()).getOrCreate(bucket, BucketVersion::new).value = changed;
        }
      }
      long removedCells = 0;
      for (Series s : series.values()) {
        for (Map.Entry<Step, int[]> step : buckets.entrySet()) {
          Timeline<Cell> timeline = s.timeline(step.getKey());
          for (int bucket : step.getValue()) {
            removedCells += timeline.remove(bucket) ? 1 : 0;
          }
        }
      }
      int dropped = 0;
      for (var it = series.values().iterator(); it.hasNext(); ) {
        if (it.next().cellCount() == 0) {
          it.remove();
          dropped++;
        }
      }
      budget.release(dropped);
      long addedCells = 0;
      long cappedCells = 0;
      for (Series from : rebuilt.values()) {
        Series to = series.get(from.key);
        if (to == null && budget.tryTake()) {
          to = new Series(from.key);
          series.put(to.key, to);
        }
        if (to == null) {
          cappedCells += from.cellCount();
          continue;
        }
        for (Step step : STEPS) {
          Timeline<Cell> source = from.timeline(step);
          for (int i = 0; i < source.size(); i++) {
            to.timeline(step).put(source.bucket(i), source.value(i));
            addedCells++;
          }
        }
      }
      return new SwapCounts(removedCells, addedCells, cappedCells);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The {@link #changes} count at which a cell of a bucket last changed. */
  static final class BucketVersion {
    long value;
  }

  /** What {@link #swap} did: cells taken out, cells put in, cells left out for want of series room. */
  record SwapCounts(long removed, long added, long capped) {}

  /** Drops cells outside retention at {@code nowMillis}, and series left without cells. */
  void evictExpired(long nowMillis) {
    lock.writeLock().lock();
    try {
      int dropped = 0;
      for (var it = series.values().iterator(); it.hasNext(); ) {
        Series s = it.next();
        for (Step step : STEPS) {
          s.timeline(step).evictBefore(firstKept(step, nowMillis));
        }
        if (s.cellCount() == 0) {
          it.remove();
          dropped++;
        }
      }
      budget.release(dropped);
      for (Step step : STEPS) {
        versions.get(step).evictBefore(firstKept(step, nowMillis));
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private int firstKept(Step step, long nowMillis) {
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, retention.firstKept(step, nowMillis)));
  }

  /** Marks this event removed when it has no series left and was last seen before {@code staleBefore}. */
  boolean removeIfIdle(long staleBefore) {
    lock.writeLock().lock();
    try {
      removed = series.isEmpty() && lastSeen < staleBefore;
      return removed;
    } finally {
      lock.writeLock().unlock();
    }
  }

  EventSummary summary() {
    lock.readLock().lock();
    try {
      return new EventSummary(
          name,
          count,
          firstSeen,
          lastSeen,
          Collections.unmodifiableSortedSet(new TreeSet<>(metricNames)),
          Collections.unmodifiableSortedSet(new TreeSet<>(dimensionsSeen)),
          cappedPings);
    } finally {
      lock.readLock().unlock();
    }
  }

  RollupResult read(QueryPlan plan) {
    lock.readLock().lock();
    try {
      String metric = plan.query().metric();
      Integer id = metric == null ? null : metricIds.get(metric);
      return plan.execute(this, series.values(), id == null ? -1 : id, merged, versions.get(plan.query().step()));
    } finally {
      lock.readLock().unlock();
    }
  }

  int seriesCount() {
    lock.readLock().lock();
    try {
      return series.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  long cellCount() {
    lock.readLock().lock();
    try {
      long n = 0;
      for (Series s : series.values()) {
        n += s.cellCount();
      }
      return n;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * This event as it is now, for a snapshot written meanwhile by another thread ({@link Frozen}):
   * its catalog entry copied, each series' timelines copied into {@link Series#frozen}. Applying
   * thread, between pings.
   */
  Frozen freeze() {
    lock.readLock().lock();
    try {
      List<Series> frozen = new ArrayList<>(series.size());
      List<Series> live = new ArrayList<>(series.size());
      for (Series s : series.values()) {
        frozen.add(s.freeze());
        live.add(s);
      }
      return new Frozen(name, count, firstSeen, lastSeen, cappedPings, List.copyOf(metricNames),
          List.copyOf(new TreeSet<>(dimensionsSeen)), frozen, live);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * An event frozen for a snapshot: the catalog entry and the series' timelines as they were, whose
   * cells the applying thread no longer changes (it changes copies) until {@link #writeTo} has
   * written the series and released it. Written by one thread, once.
   */
  static final class Frozen {
    private final String name;
    private final long count;
    private final long firstSeen;
    private final long lastSeen;
    private final long cappedPings;
    private final List<String> metricNames;
    private final List<String> dimensionsSeen;
    private final List<Series> frozen;
    private final List<Series> live;

    private Frozen(String name, long count, long firstSeen, long lastSeen, long cappedPings, List<String> metricNames,
        List<String> dimensionsSeen, List<Series> frozen, List<Series> live) {
      this.name = name;
      this.count = count;
      this.firstSeen = firstSeen;
      this.lastSeen = lastSeen;
      this.cappedPings = cappedPings;
      this.metricNames = metricNames;
      this.dimensionsSeen = dimensionsSeen;
      this.frozen = frozen;
      this.live = live;
    }

    /** Writes the event, releasing each series once written; {@link #release} releases the rest on failure. */
    void writeTo(DataOutput out) throws IOException {
      SnapshotFile.writeString(out, name);
      out.writeLong(count);
      out.writeLong(firstSeen);
      out.writeLong(lastSeen);
      out.writeLong(cappedPings);
      SnapshotFile.writeStrings(out, metricNames);
      SnapshotFile.writeStrings(out, dimensionsSeen);
      out.writeInt(frozen.size());
      for (int n = 0; n < frozen.size(); n++) {
        Series s = frozen.get(n);
        for (int i = 0; i < s.key.width(); i++) {
          SnapshotFile.writeString(out, s.key.value(i));
        }
        for (Step step : STEPS) {
          Timeline<Cell> timeline = s.timeline(step);
          out.writeInt(timeline.size());
          for (int i = 0; i < timeline.size(); i++) {
            out.writeInt(timeline.bucket(i));
            timeline.value(i).writeTo(out);
          }
        }
        live.get(n).frozen = null;
      }
    }

    /** Lets the applying thread change every cell in place again. Idempotent. */
    void release() {
      for (Series s : live) {
        s.frozen = null;
      }
    }
  }

  /**
   * Reads an event written by {@link #writeTo}. Series written under other declared dimensions
   * ({@code writtenKeys}) are re-keyed to the current ones: a dimension no longer declared is
   * merged away, a newly declared one is {@code ""} in old cells.
   */
  static EventRollup readFrom(
      DataInput in, int version, String[] writtenKeys, String[] dimensionKeys, Retention retention, SeriesBudget budget, RollupMetrics metrics,
      MergeCache merged)
      throws IOException {
    EventRollup e = new EventRollup(SnapshotFile.readString(in), dimensionKeys, retention, budget, metrics, merged);
    e.count = in.readLong();
    e.firstSeen = in.readLong();
    e.lastSeen = in.readLong();
    e.cappedPings = in.readLong();
    CorruptSnapshotException.check(e.count > 0 && e.firstSeen <= e.lastSeen, "event " + e.name + " with count " + e.count);
    for (String metric : SnapshotFile.readStrings(in, MAX_NAMES)) {
      CorruptSnapshotException.check(e.metricIds.put(metric, e.metricNames.size()) == null, "metric " + metric + " twice");
      e.metricNames.add(metric);
    }
    e.dimensionsSeen.addAll(SnapshotFile.readStrings(in, MAX_NAMES));
    int seriesCount = in.readInt();
    CorruptSnapshotException.check(seriesCount >= 0, "event " + e.name + " with " + seriesCount + " series");
    int[] source = keySource(writtenKeys, dimensionKeys);
    String[] written = new String[SeriesKey.FIRST_DIMENSION + writtenKeys.length];
    String[] values = new String[SeriesKey.FIRST_DIMENSION + dimensionKeys.length];
    for (int n = 0; n < seriesCount; n++) {
      for (int i = 0; i < written.length; i++) {
        written[i] = SnapshotFile.readString(in);
      }
      for (int i = 0; i < values.length; i++) {
        values[i] = source[i] < 0 ? "" : written[source[i]];
      }
      SeriesKey key = SeriesKey.of(values);
      Series s = e.series.get(key);
      boolean fresh = s == null;
      if (fresh) {
        s = new Series(key);
        e.series.put(key, s);
        budget.takeLoaded(1);
      }
      for (Step step : STEPS) {
        readTimeline(in, s.timeline(step), fresh, e.metricNames.size(), version >= 2);
      }
    }
    for (Series s : e.series.values()) {
      for (Step step : STEPS) {
        Timeline<Cell> cells = s.timeline(step);
        for (int i = 0; i < cells.size(); i++) {
          e.versions.get(step).getOrCreate(cells.bucket(i), BucketVersion::new);
        }
      }
    }
    return e;
  }

  private static void readTimeline(DataInput in, Timeline<Cell> timeline, boolean fresh, int metricNames, boolean withPositions)
      throws IOException {
    int cells = in.readInt();
    CorruptSnapshotException.check(cells >= 0, "timeline with " + cells + " cells");
    for (int i = 0; i < cells; i++) {
      int bucket = in.readInt();
      Cell cell = Cell.readFrom(in, metricNames, withPositions);
      if (fresh) {
        CorruptSnapshotException.check(
            timeline.size() == 0 || timeline.bucket(timeline.size() - 1) < bucket, "cells out of order at bucket " + bucket);
        timeline.append(bucket, cell);
      } else {
        timeline.getOrCreate(bucket, Cell::new).mergeFrom(cell);
      }
    }
  }

  /** Per position of a current key, the position of the written key it comes from, or -1. */
  private static int[] keySource(String[] writtenKeys, String[] dimensionKeys) {
    int[] source = new int[SeriesKey.FIRST_DIMENSION + dimensionKeys.length];
    source[SeriesKey.VERSION] = SeriesKey.VERSION;
    source[SeriesKey.DEPLOY_TYPE] = SeriesKey.DEPLOY_TYPE;
    Map<String, Integer> written = new HashMap<>();
    for (int i = 0; i < writtenKeys.length; i++) {
      written.put(writtenKeys[i], SeriesKey.FIRST_DIMENSION + i);
    }
    for (int i = 0; i < dimensionKeys.length; i++) {
      source[SeriesKey.FIRST_DIMENSION + i] = written.getOrDefault(dimensionKeys[i], -1);
    }
    return source;
  }
}
