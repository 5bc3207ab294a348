package io.pingstack.model;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The write-ahead log: every accepted ping is in it before its request is answered.
 *
 * <p>A position is a monotonically increasing {@code long} naming one record. Positions are not
 * dense: a gap appears where a log file rolls. Consumers keep the last position they fully applied
 * with their own output and resume after it; the log never tracks them by itself.
 */
public interface Wal extends AutoCloseable {
  /** Returned by {@link #firstPosition()} and {@link #lastPosition()} while the log is empty. */
  long NONE = -1;

  /**
   * Appends one encoded {@code pingstack.v1.WalRecord}. The future completes with the record's
   * position once the record is durable as configured ({@code wal.sync}), or exceptionally with a
   * {@link WalUnavailableException} when the log cannot take it. The caller must not modify
   * {@code record} afterwards.
   */
  CompletableFuture<Long> append(byte[] record);

  /**
   * {@code record} as this log will store it (compressed where the log compresses), for {@link
   * #appendEncoded}: a caller that appends under a lock encodes first, outside it, so that the work
   * is not serialized.
   */
  default byte[] encode(byte[] record) {
    return record;
  }

  /**
   * As {@link #append}, for a record {@link #encode} returned: stored as it is, not encoded again (a
   * record that compression did not make smaller would otherwise be compressed a second time).
   */
  default CompletableFuture<Long> appendEncoded(byte[] encoded) {
    return append(encoded);
  }

  /**
   * Completes once every record appended before this call is durable (as {@code wal.sync} says),
   * with the last position so far; exceptionally as {@link #append} would.
   */
  CompletableFuture<Long> barrier();

  /** Opens a reader at the first record whose position is {@code >= fromPosition}. One thread per reader. */
  WalReader reader(long fromPosition);

  /** Opens a reader that walks from the newest record towards the oldest. One thread per reader. */
  WalReader readerFromEnd();

  long firstPosition();

  long lastPosition();

  /**
   * How many records the log holds with a position in {@code (afterPosition, upToPosition]}: a
   * consumer's lag in records is {@code recordsBetween(applied, lastPosition())}. Positions are not
   * dense, so this is not a subtraction. Each end is {@link #NONE} or a position this log returned;
   * records already deleted by retention are not counted; 0 when {@code upToPosition <=
   * afterPosition}. Callable from any thread.
   */
  long recordsBetween(long afterPosition, long upToPosition);

  /** Why the log refuses appends right now, or null when it takes them. */
  WalUnavailableException.Cause refusal();

  /**
   * Registers a consumer whose last applied position pins retention: no log file that holds a
   * position after it is deleted. The supplier is called from the retention thread and from
   * {@link #retentionPins()}. A name is taken once, by a consumer or a {@link #pin}.
   */
  void registerConsumer(String name, LongSupplier lastAppliedPosition);

  /**
   * Keeps every record from {@code fromPosition} on ({@link #NONE}: from the oldest) until the
   * returned pin is closed: retention deletes no file that holds such a record, whatever its age
   * or the log's size. For a replay's range. Any thread.
   *
   * @throws WalPositionDeletedException when the log no longer holds {@code fromPosition}
   * @throws IllegalStateException when {@code name} is already a consumer's or a pin's
   */
  Pin pin(String name, long fromPosition);

  /** Every registered consumer with its durable position now, and every open {@link Pin}. Any thread. */
  List<RetentionPin> retentionPins();

  /** The log's files, oldest first. Any thread. */
  List<WalFile> files();

  /** Bytes free on the log's file system for unprivileged writers. */
  long diskFreeBytes();

  /** What the log files hold: the sum of {@link WalFile#bytes()}, which {@code wal.retention_max_bytes} limits. */
  long sizeBytes();

  /** A hold on the log from a position on (see {@link #pin}). */
  interface Pin extends AutoCloseable {
    /** The first position it keeps ({@link #NONE}: the oldest). */
    long fromPosition();

    /** Lets retention have the records before {@code position} (a replay has passed them). Never moves back. */
    void advance(long position);

    /** Releases the hold. Idempotent. */
    @Override
    void close();
  }

  /** Waits for appended records to be synced (whatever {@code wal.sync} says), then releases everything. Idempotent. */
  @Override
  void close();
}
