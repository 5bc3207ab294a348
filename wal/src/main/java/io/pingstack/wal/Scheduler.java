package io.pingstack.wal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The log's background work (retention, page cache trimming): one daemon thread each, stopped on close. */
final class Scheduler implements AutoCloseable {
  private final ScheduledExecutorService executor;

  Scheduler(String threadName) {
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code task} every {@code millis}, the first time after {@code millis}, each after the last ended. */
  void every(long millis, Runnable task) {
    var unused = executor.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS);
  }

  /** Interrupts a task in progress and waits up to 10 s for it to end. */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
