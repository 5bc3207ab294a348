package io.pingstack.wal;

import io.pingstack.model.WalUnavailableException;
import java.util.List;
import java.util.Locale;

/**
 * What the log reports about itself. Called from the writer thread (appends, syncs, refusals), the
 * retention thread (deletions, passes), the page cache thread and, for compressions, whichever
 * threads encode records, several at once; implementations must be thread-safe and cheap.
 */
public interface WalMetrics {
  WalMetrics NOOP = new WalMetrics() {};

  /** Why retention deletes a file, or wanted to. */
  enum RetentionCause {
    /** Older than {@code wal.retention_min_age}. */
    AGE,
    /** The log is over {@code wal.retention_max_bytes}. */
    SIZE;

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A consumer or pin that stopped a retention pass: retention would have deleted {@code bytes} for
   * {@code cause} but {@code pin} still needs the oldest of those files.
   */
  record RetentionBlock(String pin, RetentionCause cause, long bytes) {}

  /** One record written (not yet synced): its size. */
  default void appended(int bytes) {}

  /**
   * With {@code wal.compression=zstd}, a record of {@link RecordCodec#MIN_COMPRESSED_BYTES} or more
   * was compressed: {@code smaller} when it is stored compressed, false when it is stored as appended
   * because its frame was no smaller. Called by the threads that encode records.
   */
  default void compressionTried(boolean smaller) {}

  /** One group of records made durable: how many, and how long the sync took. */
  default void synced(int records, long nanos) {}

  /** An append was refused. */
  default void refused(WalUnavailableException.Cause cause) {}

  /** A log file was deleted by retention: why, and what it held. */
  default void fileDeleted(RetentionCause cause, long bytes) {}

  /** After every retention pass: what held files back (empty when nothing did). */
  default void retentionPassed(List<RetentionBlock> blocked) {}

  /** Bytes of the log every reader had read were advised out of the page cache (PageCacheTrimmer). */
  default void pageCacheDropped(long bytes) {}
}
