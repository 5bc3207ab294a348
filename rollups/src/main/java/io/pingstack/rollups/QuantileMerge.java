package io.pingstack.rollups;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.util.Arrays;

/**
 * One metric's distribution in one bucket, merged over the cells of a group, and the value at a
 * rank. Reused from bucket to bucket by one query.
 *
 * <p>While every cell is exact, the answer is exact: each cell's values are a sorted run (held by
 * reference, never copied) and the rank is reached by a k-way heap merge from whichever end is
 * nearer, so p95 of 600 values pops about 30 of them. As soon as one cell holds a sketch, everything
 * is merged into a DDSketch, within {@link QuantileSketches#RELATIVE_ACCURACY}. A bucket's only cell
 * (often a merged one, from {@link MergeCache}) is read where it is: its one run is indexed, its
 * sketch asked directly.
 */
final class QuantileMerge {
  private double[][] runs = new double[16][];
  private int[] lengths = new int[16];
  private int runCount;
  /** Values of one-value cells, gathered into one more run when asked. */
  private double[] singles = new double[16];
  private int singleCount;
  private long total;
  private DDSketch sketch;
  private boolean sketched;
  /** The first cell's sketch, not yet merged into {@link #sketch} (null: none pending). */
  private DDSketch pending;
  private int[] heap = new int[16];
  private int[] cursor = new int[16];

  void reset() {
    Arrays.fill(runs, 0, runCount, null);
    runCount = 0;
    singleCount = 0;
    total = 0;
    pending = null;
    if (sketched) {
      sketch.clear();
      sketched = false;
    }
  }

  void add(double value) {
    flushPending();
    if (singleCount == singles.length) {
      singles = Arrays.copyOf(singles, singleCount * 2);
    }
    singles[singleCount++] = value;
    total++;
  }

  /** A cell's exact values, ascending; the merge keeps the reference until {@link #reset()}. */
  void addSorted(double[] values, int count) {
    flushPending();
    if (runCount == runs.length) {
      runs = Arrays.copyOf(runs, runCount * 2);
      lengths = Arrays.copyOf(lengths, runCount * 2);
    }
    runs[runCount] = values;
    lengths[runCount++] = count;
    total += count;
  }

  /** A cell's sketch: read, never changed, and held by reference until {@link #reset()}. */
  void addSketch(DDSketch cellSketch) {
    if (total == 0 && !sketched && pending == null) {
      pending = cellSketch;
      return;
    }
    flushPending();
    merge(cellSketch);
  }

  private void flushPending() {
    if (pending != null) {
      DDSketch first = pending;
      pending = null;
      merge(first);
    }
  }

  private void merge(DDSketch cellSketch) {
    DDSketch s = sketch();
    s.mergeWith(cellSketch);
    sketch = QuantileSketches.bounded(s);
    sketched = true;
  }

  /** The value at 0-based rank {@code floor(q * (n - 1))} of the merged values; NaN when there are none. */
  double valueAt(double q) {
    if (pending != null) {
      return pending.isEmpty() ? Double.NaN : pending.getValueAtQuantile(q);
    }
    if (sketched) {
      fold();
      return sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(q);
    }
    if (total == 0) {
      return Double.NaN;
    }
    if (singleCount > 0) {
      Arrays.sort(singles, 0, singleCount);
      addSorted(singles, singleCount);
      total -= singleCount;
      singleCount = 0;
    }
    long rank = (long) Math.floor(q * (total - 1));
    if (runCount == 1) { // one cell, or a merged one (MergeCache): the rank is an index
      return runs[0][(int) rank];
    }
    boolean fromTop = rank > total - 1 - rank;
    return select(fromTop, fromTop ? total - 1 - rank : rank);
  }

  /** Pops {@code steps} values off the merged runs (largest first when {@code fromTop}) and returns the next. */
  private double select(boolean fromTop, long steps) {
    if (heap.length < runCount) {
      heap = new int[runs.length];
      cursor = new int[runs.length];
    }
    int size = 0;
    for (int r = 0; r < runCount; r++) {
      if (lengths[r] > 0) {
        cursor[r] = fromTop ? lengths[r] - 1 : 0;
        heap[size++] = r;
      }
    }
    for (int i = size / 2 - 1; i >= 0; i--) {
      siftDown(i, size, fromTop);
    }
    while (true) {
      int r = heap[0];
      double value = runs[r][cursor[r]];
      if (steps-- == 0) {
        return value;
      }
      cursor[r] += fromTop ? -1 : 1;
      if (cursor[r] < 0 || cursor[r] == lengths[r]) {
        heap[0] = heap[--size];
      }
      siftDown(0, size, fromTop);
    }
  }

  private void siftDown(int i, int size, boolean fromTop) {
    int r = heap[i];
    double key = runs[r][cursor[r]];
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && first(head(heap[child + 1]), head(heap[child]), fromTop)) {
        child++;
      }
      if (!first(head(heap[child]), key, fromTop)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = r;
  }

  private double head(int run) {
    return runs[run][cursor[run]];
  }

  private static boolean first(double a, double b, boolean fromTop) {
    return fromTop ? a > b : a < b;
  }

  private void fold() {
    DDSketch s = sketch();
    for (int r = 0; r < runCount; r++) {
      for (int i = 0; i < lengths[r]; i++) {
        s = QuantileSketches.add(s, runs[r][i]);
      }
    }
    for (int i = 0; i < singleCount; i++) {
      s = QuantileSketches.add(s, singles[i]);
    }
    sketch = s;
    Arrays.fill(runs, 0, runCount, null);
    runCount = 0;
    singleCount = 0;
    sketched = true;
  }

  private DDSketch sketch() {
    if (sketch == null) {
      sketch = QuantileSketches.create();
    }
    return sketch;
  }
}
