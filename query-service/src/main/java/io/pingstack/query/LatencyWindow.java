package io.pingstack.query;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One endpoint's handling times: cumulative count and sum, plus a sliding window of the last
 * {@link #SLICES} ten-second slices of an HdrHistogram (microseconds, 3 significant digits).
 * Recording is lock-free except the first recording after a slice ends, which moves the recorder's
 * interval histogram into the slice it belongs to.
 */
final class LatencyWindow {
  static final long SLICE_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** The slice in progress and the five before it: the window spans 50 to 60 seconds. */
  static final int SLICES = 6;
  private static final int DIGITS = 3;

  private final Recorder recorder = new Recorder(DIGITS);
  private final LongAdder count = new LongAdder();
  private final LongAdder sumNanos = new LongAdder();
  private final Histogram[] slices = new Histogram[SLICES];
  private final long[] sliceNumbers = new long[SLICES];
  private Histogram interval;
  private long currentSlice;
  private volatile long currentSliceEnd;

  LatencyWindow(long nowNanos) {
    for (int i = 0; i < SLICES; i++) {
      slices[i] = new Histogram(DIGITS);
      sliceNumbers[i] = Long.MIN_VALUE;
    }
    interval = recorder.getIntervalHistogram();
    startSlice(Math.floorDiv(nowNanos, SLICE_NANOS));
  }

  void record(long startNanos, long endNanos) {
    if (endNanos - currentSliceEnd >= 0) {
      roll(endNanos);
    }
    long nanos = Math.max(0, endNanos - startNanos);
    recorder.recordValue(TimeUnit.NANOSECONDS.toMicros(nanos));
    count.increment();
    sumNanos.add(nanos);
  }

  /** Moves what was recorded into the current slice, and starts a new slice when it has ended. */
  private synchronized void roll(long nowNanos) {
    interval = recorder.getIntervalHistogram(interval);
    slices[slot(currentSlice)].add(interval);
    long now = Math.floorDiv(nowNanos, SLICE_NANOS);
    if (now > currentSlice) {
      startSlice(now);
    }
  }

  private void startSlice(long number) {
    int slot = slot(number);
    slices[slot].reset();
    sliceNumbers[slot] = number;
    currentSlice = number;
    currentSliceEnd = (number + 1) * SLICE_NANOS;
  }

  synchronized QueryLatency.Snapshot snapshot(long nowNanos) {
    roll(nowNanos);
    Histogram window = new Histogram(DIGITS);
    for (int i = 0; i < SLICES; i++) {
      if (sliceNumbers[i] > currentSlice - SLICES) {
        window.add(slices[i]);
      }
    }
    long total = count.sum();
    double sumSeconds = sumNanos.sum() / 1e9;
    long recent = window.getTotalCount();
    if (recent == 0) {
      return new QueryLatency.Snapshot(total, sumSeconds, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new QueryLatency.Snapshot(total, sumSeconds, recent,
        seconds(window.getValueAtPercentile(50)), seconds(window.getValueAtPercentile(90)),
        seconds(window.getValueAtPercentile(99)), seconds(window.getMaxValue()));
  }

  private static double seconds(long micros) {
    return micros / 1e6;
  }

  private static int slot(long sliceNumber) {
    return (int) Math.floorMod(sliceNumber, (long) SLICES);
  }
}
