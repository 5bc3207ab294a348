package io.pingstack.rollups;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cells of query groups, merged per bucket and kept between queries: a dashboard asks the same
 * question again and again, and walking every series of the event and merging their cells in every
 * bucket is what a query costs (100 sketches in each of 168 hours for a p95 per hour). With the
 * group's cell of each bucket kept, a repeated query reads one cell per bucket. One instance serves
 * all events.
 *
 * <p>Each kept cell carries the event's {@linkplain EventRollup#read version of its bucket} when it
 * was merged; the event gives a bucket a new version whenever any of its cells there changes (a
 * ping, a replay's swap, expiry), so a query uses a kept cell only while the bucket is as it was:
 * it answers exactly what it would from the cells. A kept cell is the group's merge ({@link
 * Cell#merged}, owned here), the group's only cell (the live one, read under the event's lock), or
 * {@link #NO_CELLS}.
 *
 * <p>Bounded by {@code maxBytes} of estimated heap: {@value #VIEW_BYTES} bytes per view, {@value
 * #ENTRY_BYTES} per kept bucket, and the {@linkplain Cell#estimatedBytes size} of the merged cells. The least recently used views
 * go first; a merged cell larger than an eighth of the bound is not kept. Every method is short and synchronized: the lock is never held while cells are merged.
 */
final class MergeCache {
  /** Kept for a bucket in which the group has no cell. */
  static final Cell NO_CELLS = new Cell();
  /** The map entry, boxed bucket and record that keep one bucket's cell. */
  static final int ENTRY_BYTES = 96;
  /** A view, its key (the group's values included) and its map. */
  static final int VIEW_BYTES = 512;

  private final long maxBytes;
  /** Views by recency of use, least recent first. */
  private final LinkedHashMap<ViewKey, View> views = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long hits;
  private long misses;
  private long evictedBytes;

  MergeCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The view of {@code key}, created empty when missing. */
  synchronized View view(ViewKey key) {
    View v = views.get(key);
    if (v == null) {
      v = new View();
      views.put(key, v);
      charge(v, VIEW_BYTES);
      keepWithinBound(v);
    }
    return v;
  }

  /** The cell kept for {@code bucket} of {@code view} if it was kept at {@code version}; null otherwise (a miss). */
  synchronized Cell get(View view, int bucket, long version) {
    Kept kept = view.buckets.get(bucket);
    if (kept != null && kept.version == version) {
      hits++;
      return kept.cell;
    }
    misses++;
    return null;
  }

  /**
   * Keeps {@code cell} for {@code bucket} of {@code view} at {@code version}; {@code merged}: a
   * merge made for the cache (its bytes count), not a live cell or {@link #NO_CELLS}.
   */
  synchronized void put(View view, int bucket, long version, Cell cell, boolean merged) {
    long size = ENTRY_BYTES + (merged ? cell.estimatedBytes() : 0);
    if (view.evicted || size > maxBytes / 8) {
      return;
    }
    Kept old = view.buckets.put(bucket, new Kept(version, cell, size));
    charge(view, size - (old == null ? 0 : old.bytes));
    keepWithinBound(view);
  }

  /** Drops the least recently used views other than {@code view} until within the bound, then {@code view} if still over. */
  private void keepWithinBound(View view) {
    for (Iterator<View> it = views.values().iterator(); bytes > maxBytes && it.hasNext(); ) {
      View eldest = it.next();
      if (eldest != view) {
        it.remove();
        drop(eldest);
      }
    }
    if (bytes > maxBytes) { // this view alone is over the bound
      views.values().remove(view);
      drop(view);
    }
  }

  /** Drops every view of {@code event}: its cells were replaced. */
  synchronized void forget(EventRollup event) {
    for (Iterator<Map.Entry<ViewKey, View>> it = views.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<ViewKey, View> e = it.next();
      if (e.getKey().event() == event) {
        it.remove();
        e.getValue().evicted = true;
        bytes -= e.getValue().bytes;
      }
    }
  }

  /** Drops the cells kept for buckets before {@code retention}'s first kept one at {@code nowMillis}, and views left empty. */
  synchronized void evictExpired(Retention retention, long nowMillis) {
    for (Iterator<Map.Entry<ViewKey, View>> it = views.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<ViewKey, View> e = it.next();
      View v = e.getValue();
      long firstKept = retention.firstKept(e.getKey().step(), nowMillis);
      for (Iterator<Map.Entry<Integer, Kept>> b = v.buckets.entrySet().iterator(); b.hasNext(); ) {
        Map.Entry<Integer, Kept> bucket = b.next();
        if (bucket.getKey() < firstKept) {
          b.remove();
          charge(v, -bucket.getValue().bytes);
        }
      }
      if (v.buckets.isEmpty()) {
        it.remove();
        v.evicted = true;
        bytes -= v.bytes;
      }
    }
  }

  private void charge(View v, long delta) {
    v.bytes += delta;
    bytes += delta;
  }

  private void drop(View v) {
    v.evicted = true;
    bytes -= v.bytes;
    evictedBytes += v.bytes;
  }

  synchronized QueryCacheStats stats() {
    return new QueryCacheStats(hits, misses, bytes, evictedBytes);
  }

  /**
   * One group of one query shape: the event, the step, the filters (by series key position) and
   * the group-by positions with this group's values.
   */
  record ViewKey(
      EventRollup event, Step step, List<Integer> filterPositions, List<Set<String>> filterValues,
      List<Integer> groupPositions, List<String> groupValues) {}

  /** The cells kept for one {@link ViewKey}, by bucket. Guarded by the cache's lock. */
  static final class View {
    private final HashMap<Integer, Kept> buckets = new HashMap<>();
    private long bytes;
    /** Set once dropped: later puts are ignored, so that nothing is held outside the bound. */
    private boolean evicted;
  }

  private record Kept(long version, Cell cell, long bytes) {}
}
