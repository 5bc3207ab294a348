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
 * @param retentionMinAge a log file every consumer and pin has passed is deleted once it is this old
 *     (measured from the end of its hour), or sooner when the log is over {@code retentionMaxBytes}
 * @param retentionInterval how often retention looks for files to delete
 * @param retentionMaxBytes 0, or the most the log's files may hold ({@link io.pingstack.model.WalFile#bytes()}):
 *     past it the oldest files every consumer and pin has passed are deleted whatever their age
 * @param pageCacheKeepBytes the newest bytes of the log left in the page cache (a restart reads them
 *     again); older pages every reader of this process has read are dropped from it
 * @param compression {@code ZSTD}: a record of 512 bytes or more is stored zstd-compressed when that
 *     makes it smaller, on the appending thread (a quarter to a third of the disk, shorter syncs, about 1 µs of
 *     CPU more per ping written and read); {@code NONE} (the default): as appended. Either reads both.
 */
public record WalConfig(
    Path dir,
    Sync sync,
    int queueCapacity,
    long diskReserveBytes,
    Duration retentionMinAge,
    Duration retentionInterval,
    long retentionMaxBytes,
    long pageCacheKeepBytes,
    Compression compression) {

  /** Durability of an acknowledged record. */
  public enum Sync {
    GROUP,
    NONE
  }

  /** How records are stored. */
  public enum Compression {
    ZSTD,
    NONE
  }

  /** The largest record the log takes: Chronicle keeps a message under a quarter of its block. */
  public static final int MAX_RECORD_BYTES = 96 << 20;

  public WalConfig {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(compression, "compression");
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
    if (retentionMaxBytes < 0) {
      throw new IllegalArgumentException("wal.retention_max_bytes must not be negative (0: no size limit): " + retentionMaxBytes);
    }
    if (pageCacheKeepBytes < 0) {
      throw new IllegalArgumentException("wal.page_cache_keep_bytes must not be negative: " + pageCacheKeepBytes);
    }
  }

  /** The newest gibibyte of the log stays in the page cache: what a restart reads for the default dedup window. */
  public static final long DEFAULT_PAGE_CACHE_KEEP_BYTES = 1L << 30;

  /** Without a size limit. */
  public WalConfig(Path dir, Sync sync, int queueCapacity, long diskReserveBytes, Duration retentionMinAge, Duration retentionInterval) {
    this(dir, sync, queueCapacity, diskReserveBytes, retentionMinAge, retentionInterval, 0, DEFAULT_PAGE_CACHE_KEEP_BYTES,
        Compression.NONE);
  }

  public static WalConfig defaults(Path dir) {
    return new WalConfig(dir, Sync.GROUP, 16_384, 512L << 20, Duration.ofDays(7), Duration.ofMinutes(1));
  }

  public WalConfig withSync(Sync value) {
    return new WalConfig(dir, value, queueCapacity, diskReserveBytes, retentionMinAge, retentionInterval, retentionMaxBytes,
        pageCacheKeepBytes, compression);
  }

  public WalConfig withDiskReserveBytes(long value) {
    return new WalConfig(dir, sync, queueCapacity, value, retentionMinAge, retentionInterval, retentionMaxBytes,
        pageCacheKeepBytes, compression);
  }

  public WalConfig withRetention(Duration minAge, Duration interval) {
    return new WalConfig(dir, sync, queueCapacity, diskReserveBytes, minAge, interval, retentionMaxBytes,
        pageCacheKeepBytes, compression);
  }

  public WalConfig withRetentionMaxBytes(long value) {
    return new WalConfig(dir, sync, queueCapacity, diskReserveBytes, retentionMinAge, retentionInterval, value,
        pageCacheKeepBytes, compression);
  }

  public WalConfig withPageCacheKeepBytes(long value) {
    return new WalConfig(dir, sync, queueCapacity, diskReserveBytes, retentionMinAge, retentionInterval, retentionMaxBytes,
        value, compression);
  }

  public WalConfig withCompression(Compression value) {
    return new WalConfig(dir, sync, queueCapacity, diskReserveBytes, retentionMinAge, retentionInterval, retentionMaxBytes,
        pageCacheKeepBytes, value);
  }

  public WalConfig withQueueCapacity(int value) {
    return new WalConfig(dir, sync, value, diskReserveBytes, retentionMinAge, retentionInterval, retentionMaxBytes,
        pageCacheKeepBytes, compression);
  }
}
