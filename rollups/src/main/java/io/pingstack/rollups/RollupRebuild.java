package io.pingstack.rollups;

import io.pingstack.engine.ColumnBatch;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One replay into the rollups, in three steps on the replay's thread.
 *
 * <ol>
 *   <li>{@link #touch}: the records of the replayed range name the buckets to rebuild: per event and
 *       step, every bucket one of their pings falls into that retention still keeps.
 *   <li>{@link #plan}: a bucket is rebuilt only when the live rollups have cells there and the log
 *       still holds the first ping counted in them ({@link Cell#firstPosition}); the others are kept
 *       as they are. The lowest such position is where the rebuild reads from.
 *   <li>{@link #rebuild}, from that position to the live rollups' applied position: every ping that
 *       falls into a planned bucket is counted into shadow cells, exactly as {@link Rollups#apply}
 *       counts it (same order, same metric ids, the series as the current dimensions key them). Then
 *       {@link #swap} replaces the planned buckets' cells with the shadow ones, one event at a time
 *       under its write lock.
 * </ol>
 *
 * <p>A cell holds the pings of one bucket, wherever they are in the log; rebuilding it from every
 * record between its first ping and the applied position, while the applier waits for the last
 * stretch, gives what live ingest would have produced, also under declared dimensions that changed
 * since. Memory: the planned buckets (at most the buckets retention keeps, per event and step) and
 * shadow cells for them, at most as many as the live ones.
 */
final class RollupRebuild {
  private static final Step[] STEPS = Step.values();

  private final Rollups rollups;
  private final long nowMillis;
  private final Map<String, EventPlan> events = new HashMap<>();
  private final ColumnBatchPing view = new ColumnBatchPing();
  private int[] metricIds = new int[8];
  private long bucketsPlanned;
  private long bucketsKept;
  private long bucketsWithoutCells;
  private long lastRebuilt = Rollups.NONE;

  /** A rebuild of {@code rollups}, the live instance, with retention as it stands now. */
  RollupRebuild(Rollups rollups) {
    this.rollups = rollups;
    this.nowMillis = rollups.now();
  }

  Rollups rollups() {
    return rollups;
  }

  /** Step 1, for each batch of the replayed range. */
  void touch(ColumnBatch batch) {
    Retention retention = rollups.retention();
    EventPlan plan = null;
    for (int row = 0; row < batch.rowCount(); row++) {
      String event = batch.event(row);
      if (plan == null || !plan.name.equals(event)) {
        plan = events.computeIfAbsent(event, EventPlan::new);
      }
      long t = Math.floorDiv(batch.timestampMicros(row), 1000);
      for (Step step : STEPS) {
        long bucket = Math.floorDiv(t, step.millis());
        if (bucket >= retention.firstKept(step, nowMillis) && bucket <= Integer.MAX_VALUE) {
          plan.touch(step, (int) bucket);
        }
      }
    }
  }

  /**
   * Step 2, while the applier waits (so the live cells do not change meanwhile). Returns the first
   * position to read, or {@link Long#MAX_VALUE} when no bucket is to be rebuilt.
   *
   * @param logFirst the log's oldest position now
   */
  long plan(long logFirst) {
    long first = Long.MAX_VALUE;
    for (var it = events.values().iterator(); it.hasNext(); ) {
      EventPlan plan = it.next();
      plan.live = rollups.event(plan.name);
      if (plan.live == null) {
        it.remove();
        continue;
      }
      for (Step step : STEPS) {
        Set<Integer> touched = plan.touched.get(step);
        if (touched == null) {
          continue;
        }
        int[] buckets = new int[touched.size()];
        int n = 0;
        for (int bucket : touched) {
          long cellsFirst = plan.live.firstPosition(step, bucket);
          if (cellsFirst == Long.MAX_VALUE) {
            bucketsWithoutCells++;
          } else if (cellsFirst < logFirst) {
            bucketsKept++;
          } else {
            buckets[n++] = bucket;
            first = Math.min(first, cellsFirst);
          }
        }
        if (n > 0) {
          int[] planned = Arrays.copyOf(buckets, n);
          Arrays.sort(planned);
          plan.buckets.put(step, planned);
          bucketsPlanned += n;
        }
      }
      plan.touched.clear();
      if (plan.buckets.isEmpty()) {
        it.remove();
      }
    }
    return first;
  }

  /** Step 3, for each batch from the planned position to the applied one. */
  void rebuild(ColumnBatch batch) {
    EventPlan plan = null;
    for (int row = 0; row < batch.rowCount(); row++) {
      String event = batch.event(row);
      if (plan == null || !plan.name.equals(event)) {
        plan = events.get(event);
      }
      if (plan == null) {
        continue;
      }
      long t = Math.floorDiv(batch.timestampMicros(row), 1000);
      Series target = null;
      long instanceHash = 0;
      for (Step step : STEPS) {
        int[] buckets = plan.buckets.get(step);
        long bucket = Math.floorDiv(t, step.millis());
        if (buckets == null || bucket > Integer.MAX_VALUE || Arrays.binarySearch(buckets, (int) bucket) < 0) {
          continue;
        }
        if (target == null) {
          view.load(batch, row);
          target = plan.seriesOf(view, rollups.dimensionKeys());
          metricIds = plan.live.knownMetricIds(view, metricIds);
          instanceHash = view.instanceHash();
        }
        Cell cell = target.timeline(step).getOrCreate((int) bucket, Cell::new);
        cell.count(instanceHash, view.walPosition());
        for (int i = 0; i < view.metricCount(); i++) {
          cell.addValue(metricIds[i], i, view.metricValue(i));
        }
      }
    }
    lastRebuilt = batch.lastPosition();
  }

  /** The position of the last record {@link #rebuild} has read ({@link Rollups#NONE} before any). */
  long lastRebuilt() {
    return lastRebuilt;
  }

  boolean isEmpty() {
    return events.isEmpty();
  }

  /**
   * Swaps the shadow cells in, event by event, while the applier waits, after the rebuild has read
   * every record the live cells hold. An event evicted and seen again since the plan is left alone.
   */
  Map<String, Long> swap() {
    return rollups.betweenBatches(this::swapEvents);
  }

  private Map<String, Long> swapEvents() {
    long removed = 0;
    long added = 0;
    long capped = 0;
    long changed = 0;
    for (EventPlan plan : events.values()) {
      if (rollups.event(plan.name) != plan.live) {
        changed++;
        continue;
      }
      EventRollup.SwapCounts counts = plan.live.swap(plan.rebuilt, plan.buckets);
      removed += counts.removed();
      added += counts.added();
      capped += counts.capped();
    }
    Map<String, Long> result = counts();
    result.put("cells_removed", removed);
    result.put("cells_added", added);
    result.put("cells_capped", capped);
    result.put("events_changed_meanwhile", changed);
    return result;
  }

  /** What the plan holds: buckets to rebuild, buckets kept because the log no longer holds their start, and so on. */
  Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("events", (long) events.size());
    counts.put("buckets_rebuilt", bucketsPlanned);
    counts.put("buckets_kept", bucketsKept);
    counts.put("buckets_without_cells", bucketsWithoutCells);
    return counts;
  }

  /** One event's planned buckets, and its shadow series. */
  private static final class EventPlan {
    final String name;
    final Map<Step, Set<Integer>> touched = new EnumMap<>(Step.class);
    /** Per step, the bucket touched last: most pings fall into their predecessor's bucket. */
    private final long[] lastTouched = {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE};
    final Map<Step, int[]> buckets = new EnumMap<>(Step.class);
    final HashMap<SeriesKey, Series> rebuilt = new HashMap<>();
    EventRollup live;
    private SeriesKey probe;

    EventPlan(String name) {
      this.name = name;
    }

    void touch(Step step, int bucket) {
      if (lastTouched[step.ordinal()] != bucket) {
        touched.computeIfAbsent(step, s -> new HashSet<>()).add(bucket);
        lastTouched[step.ordinal()] = bucket;
      }
    }

    Series seriesOf(PingView ping, String[] dimensionKeys) {
      if (probe == null) {
        probe = SeriesKey.probe(dimensionKeys.length);
      }
      Series found = rebuilt.get(probe.fill(ping, dimensionKeys));
      if (found == null) {
        found = new Series(probe.copy());
        rebuilt.put(found.key, found);
      }
      return found;
    }
  }
}
