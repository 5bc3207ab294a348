package io.pingstack.rollups;

import java.util.concurrent.atomic.AtomicInteger;

/** The series cap shared by every event: {@code max_series} across all of them. */
final class SeriesBudget {
  private final AtomicInteger used = new AtomicInteger();
  private final int max;

  SeriesBudget(int max) {
    this.max = max;
  }

  /** Takes room for one new series; false when the cap is reached. */
  boolean tryTake() {
    while (true) {
      int n = used.get();
      if (n >= max) {
        return false;
      }
      if (used.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  boolean exhausted() {
    return used.get() >= max;
  }

  /** Series loaded from a snapshot count even beyond a cap lowered since: their data is kept. */
  void takeLoaded(int series) {
    used.addAndGet(series);
  }

  void release(int series) {
    used.addAndGet(-series);
  }

  int used() {
    return used.get();
  }
}
