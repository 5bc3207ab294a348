package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import com.github.luben.zstd.Zstd;
import java.time.Duration;

/**
 * How the embedded cold store ({@link ArrowFileColdStore}) commits.
 *
 * @param commitInterval accepted rows are committed (files closed and synced, manifest written) at
 *     most this long after they were accepted; also the bound on what a crash makes the consumer
 *     read again
 * @param maxUncommittedRows a commit happens as soon as this many rows are accepted and uncommitted
 * @param compression of the Arrow IPC buffers in every file
 * @param zstdLevel the zstd level of {@link Compression#ZSTD} buffers, from {@code Zstd.minCompressionLevel()}
 *     to {@code Zstd.maxCompressionLevel()} (22); 0 is zstd's default, 3. Any level is read the same way.
 */
public record ArrowColdStoreConfig(Duration commitInterval, long maxUncommittedRows, Compression compression, int zstdLevel) {
  /** Buffer compression of the Arrow IPC files; pyarrow and DuckDB read all three. */
  public enum Compression {
    NONE,
    ZSTD,
    LZ4_FRAME
  }

  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(10);
  public static final long DEFAULT_MAX_UNCOMMITTED_ROWS = 1_000_000;
  /**
   * Arrow C++'s default zstd level, so pyarrow's own files: about 15 % less compression time than
   * level 3 (Arrow Java's default) for about an eighth more bytes (docs/BENCHMARKS.md).
   */
  public static final int DEFAULT_ZSTD_LEVEL = 1;

  public ArrowColdStoreConfig {
    requireNonNull(commitInterval, "commitInterval");
    requireNonNull(compression, "compression");
    if (commitInterval.isNegative() || commitInterval.isZero() || commitInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("cold store commitInterval must be positive and at most 1 hour: " + commitInterval);
    }
    if (maxUncommittedRows < 1) {
      throw new IllegalArgumentException("cold store maxUncommittedRows must be at least 1: " + maxUncommittedRows);
    }
    if (zstdLevel < Zstd.minCompressionLevel() || zstdLevel > Zstd.maxCompressionLevel()) {
      throw new IllegalArgumentException("cold store zstd level must be from " + Zstd.minCompressionLevel() + " to "
          + Zstd.maxCompressionLevel() + ": " + zstdLevel);
    }
  }

  public static ArrowColdStoreConfig defaults() {
    return new ArrowColdStoreConfig(DEFAULT_COMMIT_INTERVAL, DEFAULT_MAX_UNCOMMITTED_ROWS, Compression.ZSTD, DEFAULT_ZSTD_LEVEL);
  }

  public ArrowColdStoreConfig withCommitInterval(Duration value) {
    return new ArrowColdStoreConfig(value, maxUncommittedRows, compression, zstdLevel);
  }

  public ArrowColdStoreConfig withMaxUncommittedRows(long value) {
    return new ArrowColdStoreConfig(commitInterval, value, compression, zstdLevel);
  }

  public ArrowColdStoreConfig withCompression(Compression value) {
    return new ArrowColdStoreConfig(commitInterval, maxUncommittedRows, value, zstdLevel);
  }

  public ArrowColdStoreConfig withZstdLevel(int value) {
    return new ArrowColdStoreConfig(commitInterval, maxUncommittedRows, compression, value);
  }
}
