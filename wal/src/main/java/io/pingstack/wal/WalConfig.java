package io.pingstack.wal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the log is kept.
 *
 * @param dir the log's own directory (nothing else may live there)
 * @param sync {@code GROUP}: a record is acknowledged after an fsync that covers it, shared by every
 *     record appended meanwhile; {@code NONE}: after it is in the page cache (survives a process
 *     crash, not a power loss)
 * @param queueCapacity records waiting for the writer before appends are refused (backpressure)
 * @param diskReserveBytes appends are refused while less than this is free on the file system
 * @param retentionMinAge a log file is deleted only when every consumer has passed it and it is
 *     at least this old
 * @param retentionInterval how often retention looks for files to delete
 */
public record WalConfig(
    Path dir,
    Sync sync,
    int queueCapacity,
    long diskReserveBytes,
    Duration retentionMinAge,
    Duration retentionInterval) {

  /** Durability of an acknowledged record. */
  public enum Sync {
    GROUP,
    NONE
  }

  /** The largest record the log takes: Chronicle keeps a message under a quarter of its block. */
  public static final int MAX_RECORD_BYTES = 96 << 20;

  public WalConfig {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(retentionMinAge, "retentionMinAge");
    Objects.requireNonNull(retentionInterval, "retentionInterval");
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("wal.queue_capacity must be at least 1: " + queueCapacity);
    }
    if (diskReserveBytes < 0) {
      throw new IllegalArgumentException("wal.disk_reserve_bytes must not be negative: " + diskReserveBytes);
    }
    if (retentionMinAge.isNegative() || retentionInterval.isNegative() || retentionInterval.isZero()) {
      throw new IllegalArgumentException("wal retention durations must be positive");
    }
  }

  public static WalConfig defaults(Path dir) {
    return new WalConfig(dir, Sync.GROUP, 16_384, 512L << 20, Duration.ofDays(7), Duration.ofMinutes(1));
  }

  public WalConfig withSync(Sync value) {
    return new WalConfig(dir, value, queueCapacity, diskReserveBytes, retentionMinAge, retentionInterval);
  }

  public WalConfig withDiskReserveBytes(long value) {
    return new WalConfig(dir, sync, queueCapacity, value, retentionMinAge, retentionInterval);
  }

  public WalConfig withRetention(Duration minAge, Duration interval) {
    return new WalConfig(dir, sync, queueCapacity, diskReserveBytes, minAge, interval);
  }

  public WalConfig withQueueCapacity(int value) {
    return new WalConfig(dir, sync, value, diskReserveBytes, retentionMinAge, retentionInterval);
  }
}
