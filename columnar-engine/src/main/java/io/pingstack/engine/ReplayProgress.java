package io.pingstack.engine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress of one replay, written by its thread and read by anyone: records and pings read so
 * far, records planned (each pass adds the records it will read as it starts; -1 while unknown), and
 * the rate since the start.
 */
public final class ReplayProgress {
  private final long startNanos = System.nanoTime();
  private final AtomicLong planned = new AtomicLong();
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong pings = new AtomicLong();
  private volatile boolean plannedUnknown;

  /** Adds {@code n} records to read; a negative {@code n} makes the plan, and the ETA, unknown. */
  void plan(long n) {
    if (n < 0) {
      plannedUnknown = true;
    } else {
      planned.addAndGet(n);
    }
  }

  void read(long recordCount, long pingCount) {
    records.addAndGet(recordCount);
    pings.addAndGet(pingCount);
  }

  public long records() {
    return records.get();
  }

  public long pings() {
    return pings.get();
  }

  /** Records planned so far, at least those read; -1 while unknown. */
  public long plannedRecords() {
    return plannedUnknown ? -1 : Math.max(planned.get(), records.get());
  }

  /** Pings per second since the replay started. */
  public double pingsPerSecond() {
    return pings.get() / Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
  }

  /** Milliseconds since the replay started. */
  public long elapsedMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
