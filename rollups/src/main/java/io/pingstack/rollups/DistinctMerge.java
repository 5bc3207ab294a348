package io.pingstack.rollups;

import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;

/**
 * Distinct instances of one bucket, merged over the cells of a group: the union of the cells' sets,
 * never a sum. Exact hashes go into an open-addressing hash set, so the answer is exact while every
 * cell is exact; as soon as one cell holds a sketch the set is folded into an HLL union. Reused
 * from bucket to bucket by one query.
 *
 * <p>A bucket's only cell (often a merged one, from {@link MergeCache}) holds distinct hashes
 * already: its count is the answer, so its hashes are held by reference and go into the set only
 * when a second cell comes.
 */
final class DistinctMerge {
  /** Distinct hashes held before they are folded into the union, bounding a query's scratch memory. */
  private static final int FOLD_AT = 1 << 16;

  /** Open addressing, linear probing, 0 marks an empty slot (a hash of 0 is tracked by {@link #zero}). */
  private long[] table = new long[256];
  /** The occupied slots, so that a reset clears only them. */
  private int[] occupied = new int[128];
  private int size;
  private boolean zero;
  private Union union;
  private boolean sketched;
  /** The first cell's distinct hashes, not yet in the set (null: none pending). */
  private long[] pending;
  private int pendingCount;

  void reset() {
    pending = null;
    clearSet();
    if (sketched) {
      union.reset();
      sketched = false;
    }
  }

  /** A cell's hashes: distinct, in slots {@code [0, count)}; read, never changed, and possibly held by reference until {@link #reset()}. */
  void addExact(long[] cellHashes, int count) {
    if (pending == null && size == 0 && !zero && !sketched && count <= FOLD_AT) {
      pending = cellHashes;
      pendingCount = count;
      return;
    }
    flushPending();
    for (int i = 0; i < count; i++) {
      add(cellHashes[i]);
    }
  }

  void addSketch(HllSketch sketch) {
    flushPending();
    union().update(sketch);
    sketched = true;
  }

  long estimate() {
    if (pending != null) {
      return pendingCount;
    }
    if (!sketched) {
      return (long) size + (zero ? 1 : 0);
    }
    fold();
    return Math.round(union.getEstimate());
  }

  private void flushPending() {
    if (pending != null) {
      long[] hashes = pending;
      pending = null;
      for (int i = 0; i < pendingCount; i++) {
        add(hashes[i]);
      }
    }
  }

  private void add(long hash) {
    if (hash == 0) {
      zero = true;
      return;
    }
    if (size == FOLD_AT) {
      fold();
    }
    if (2 * (size + 1) > table.length) {
      grow();
    }
    int mask = table.length - 1;
    // Instance hashes are already mixed: their low bits index the table directly.
    int i = (int) hash & mask;
    while (table[i] != 0) {
      if (table[i] == hash) {
        return;
      }
      i = (i + 1) & mask;
    }
    table[i] = hash;
    occupied[size++] = i;
  }

  private void grow() {
    long[] old = table;
    int[] oldOccupied = occupied;
    int n = size;
    table = new long[old.length * 2];
    occupied = new int[table.length / 2];
    size = 0;
    for (int k = 0; k < n; k++) {
      add(old[oldOccupied[k]]);
    }
  }

  private void fold() {
    Union u = union();
    for (int k = 0; k < size; k++) {
      u.update(table[occupied[k]]);
    }
    if (zero) {
      u.update(0L);
    }
    clearSet();
    sketched = true;
  }

  private void clearSet() {
    for (int k = 0; k < size; k++) {
      table[occupied[k]] = 0;
    }
    size = 0;
    zero = false;
  }

  private Union union() {
    if (union == null) {
      union = new Union(Cell.LG_K);
    }
    return union;
  }
}
