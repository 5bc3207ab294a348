package io.pingstack.rollups;

import java.util.Arrays;

/**
 * The pings of one batch between the two passes of {@link Rollups#apply(int, java.util.function.IntFunction)}:
 * what the cells need of each (event time, WAL position, instance hash, metric ids and values),
 * put in series order by {@link #sort}, each series' pings in log order.
 *
 * <p>Why two passes: a cell's sketches are arrays of their own, and thousands of series' minute,
 * hour and day cells do not stay in the CPU's caches from one ping to the next, so counting pings in
 * log order waited on memory for most of their bins (JFR: 21 % of the rollups consumer's samples on
 * the one load in {@code DenseStore.add}). Counted series by series, a cell's arrays are fetched
 * once per batch. Each cell still sees its pings in log order, so it ends up exactly as it would have.
 *
 * <p>A staged ping is {@code 4 + 2 * metrics} longs in one array: time, position, instance hash,
 * (series index << 32 | metric count), then per metric its id and its value's bits. {@link #sort}
 * copies them in series order into a second array, which the second pass reads front to back.
 * Applying thread only; reused from batch to batch. Memory: two arrays of at most {@link #LIMIT}
 * longs and one ping more (16 MiB in all); the caller applies what is staged once {@link #full}.
 */
final class StagedPings {
  private static final int HEADER = 4;
  /** Longs staged before {@link #full}: 8 MiB an array, some 100,000 pings of three metrics. */
  static final int LIMIT = 1 << 20;
  private static final int NONE = -1;

  private long[] staged = new long[1024];
  private int end;
  private long[] sorted = new long[1024];

  private Series[] series = new Series[16];
  private EventRollup[] events = new EventRollup[16];
  /** Per series: the longs its pings take, then (after {@link #sort}) where they start in {@link #sorted}. */
  private int[] starts = new int[17];
  private int seriesCount;

  /**
   * Adds a ping of {@code target}, a series of {@code event}.
   *
   * @param ids per metric of {@code ping}, its id in the event or -1 to leave it out ({@link Cell#addValue})
   */
  void add(EventRollup event, Series target, long timeMillis, long instanceHash, PingView ping, int[] ids, int metricCount) {
    int s = target.staged;
    if (s == NONE) {
      s = register(event, target);
    }
    int length = HEADER + 2 * metricCount;
    if (end + length > staged.length) {
      staged = Arrays.copyOf(staged, Math.max(Math.min(staged.length * 2, LIMIT), end + length));
    }
    long[] to = staged;
    int at = end;
    to[at] = timeMillis;
    to[at + 1] = ping.walPosition();
    to[at + 2] = instanceHash;
    to[at + 3] = (long) s << 32 | metricCount;
    for (int i = 0, m = at + HEADER; i < metricCount; i++, m += 2) {
      to[m] = ids[i];
      to[m + 1] = Double.doubleToRawLongBits(ping.metricValue(i));
    }
    end = at + length;
    starts[s] += length;
  }

  private int register(EventRollup event, Series target) {
    if (seriesCount == series.length) {
      series = Arrays.copyOf(series, seriesCount * 2);
      events = Arrays.copyOf(events, seriesCount * 2);
      starts = Arrays.copyOf(starts, seriesCount * 2 + 1);
    }
    int s = seriesCount++;
    series[s] = target;
    events[s] = event;
    starts[s] = 0;
    target.staged = s;
    return s;
  }

  /** Whether the caller must apply what is staged (and {@link #clear}) before it stages more. */
  boolean full() {
    return end >= LIMIT;
  }

  /** Puts the staged pings in series order (the order the batch first reached the series), each series' in log order. */
  void sort() {
    int offset = 0;
    for (int s = 0; s < seriesCount; s++) {
      int length = starts[s];
      starts[s] = offset;
      offset += length;
    }
    starts[seriesCount] = offset;
    if (sorted.length < end) {
      sorted = new long[staged.length];
    }
    int[] next = Arrays.copyOf(starts, seriesCount);
    for (int at = 0; at < end; ) {
      long seriesAndCount = staged[at + 3];
      int s = (int) (seriesAndCount >>> 32);
      int length = HEADER + 2 * (int) seriesAndCount;
      System.arraycopy(staged, at, sorted, next[s], length);
      next[s] += length;
      at += length;
    }
  }

  /** The series with pings staged. */
  int seriesCount() {
    return seriesCount;
  }

  Series series(int s) {
    return series[s];
  }

  EventRollup event(int s) {
    return events[s];
  }

  /** After {@link #sort}: where the first ping of series {@code s} starts. */
  int first(int s) {
    return starts[s];
  }

  /** After {@link #sort}: where the pings of series {@code s} end. */
  int end(int s) {
    return starts[s + 1];
  }

  /** Where the ping after the one at {@code at} starts. */
  int next(int at) {
    return at + HEADER + 2 * metricCount(at);
  }

  long time(int at) {
    return sorted[at];
  }

  long position(int at) {
    return sorted[at + 1];
  }

  long instanceHash(int at) {
    return sorted[at + 2];
  }

  int metricCount(int at) {
    return (int) sorted[at + 3];
  }

  /** Counts the metrics of the ping at {@code at} into {@code cell}. */
  void addValuesTo(Cell cell, int at) {
    for (int i = 0, n = metricCount(at), m = at + HEADER; i < n; i++, m += 2) {
      cell.addValue((int) sorted[m], i, Double.longBitsToDouble(sorted[m + 1]));
    }
  }

  /** Forgets the batch: the series are unmarked and no longer referenced. */
  void clear() {
    for (int s = 0; s < seriesCount; s++) {
      series[s].staged = NONE;
      series[s] = null;
      events[s] = null;
    }
    seriesCount = 0;
    end = 0;
  }
}
