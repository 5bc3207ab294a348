package io.pingstack.gateway;

import java.util.concurrent.atomic.AtomicLong;

/** Request bytes held in memory across all connections, with a hard cap. */
final class InflightBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  InflightBudget(long limit) {
    this.limit = limit;
  }

  boolean tryReserve(long bytes) {
    if (bytes == 0) {
      return true;
    }
    while (true) {
      long now = used.get();
      if (now + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  long used() {
    return used.get();
  }
}
