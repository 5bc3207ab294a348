package io.pingstack.wal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes whole log files (one per hourly cycle) once they are no longer needed: never the newest
 * file, never a file holding a position some registered consumer has not applied, never a file
 * younger than {@code retentionMinAge} (measured from the end of its hour).
 */
final class Retention implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  private final SingleChronicleQueue queue;
  private final WalConfig config;
  private final WalMetrics metrics;
  private final Map<String, LongSupplier> consumers;
  private final IntFunction<File> fileOfCycle;
  private final ScheduledExecutorService scheduler;
  private final TimeProvider time;

  Retention(SingleChronicleQueue queue, WalConfig config, WalMetrics metrics, Map<String, LongSupplier> consumers,
      IntFunction<File> fileOfCycle, TimeProvider time) {
    this.time = time;
    this.queue = queue;
    this.config = config;
    this.metrics = metrics;
    this.consumers = consumers;
    this.fileOfCycle = fileOfCycle;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pingstack-wal-retention");
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    long every = config.retentionInterval().toMillis();
    var unused = scheduler.scheduleWithFixedDelay(this::runOnce, every, every, TimeUnit.MILLISECONDS);
  }

  /** One pass; returns how many files were deleted. Package-private for tests. */
  int runOnce() {
    try {
      return deleteExpired(time.currentTimeMillis());
    } catch (RuntimeException e) {
      LOG.warn("WAL retention pass failed in {}: {}", config.dir(), e.toString());
      return 0;
    }
  }

  private int deleteExpired(long nowMillis) {
    RollCycle rollCycle = queue.rollCycle();
    int first = queue.firstCycle();
    int last = queue.lastCycle();
    if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE || first >= last) {
      return 0;
    }
    long pinnedBefore = Long.MAX_VALUE;
    for (LongSupplier consumer : consumers.values()) {
      long applied = consumer.getAsLong();
      // A consumer that applied position p still needs everything after p: files of cycles after p's cycle.
      pinnedBefore = Math.min(pinnedBefore, applied < 0 ? Long.MIN_VALUE : applied);
    }
    int deleted = 0;
    for (int cycle = first; cycle < last; cycle++) {
      long cycleEndMillis = (cycle + 1L) * rollCycle.lengthInMillis();
      if (nowMillis - cycleEndMillis < config.retentionMinAge().toMillis()) {
        break;
      }
      // Every position in this file is below the first position of the next cycle.
      if (pinnedBefore == Long.MIN_VALUE || rollCycle.toCycle(pinnedBefore) <= cycle) {
        break;
      }
      File file = fileOfCycle.apply(cycle);
      if (!file.exists()) {
        continue;
      }
      long bytes = file.length();
      try {
        Files.delete(file.toPath());
        deleted++;
        metrics.fileDeleted(bytes);
        LOG.info("WAL retention deleted {} ({} bytes): every consumer has passed it", file.getName(), bytes);
      } catch (IOException e) {
        LOG.warn("WAL retention cannot delete {}: {}", file, e.toString());
        break;
      }
    }
    if (deleted > 0) {
      queue.refreshDirectoryListing();
    }
    return deleted;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
