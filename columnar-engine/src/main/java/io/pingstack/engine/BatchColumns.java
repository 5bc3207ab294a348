package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.Wal;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;

/**
 * The Arrow vectors of one batch and what they hold: whole WAL records decoded one after another,
 * none split ({@link #tryAppend}), then sealed ({@link #seal}) and read, through a {@link
 * ColumnBatch}, by one thread or, once sealed, by several at once (reads change nothing). Written by
 * one thread at a time.
 */
final class BatchColumns implements AutoCloseable {
  private final BufferAllocator allocator;
  final PingVectors vectors;
  private int rows;
  private int records;
  private long firstPosition = Wal.NONE;
  private long lastPosition = Wal.NONE;
  private long firstReceivedAtMicros;
  private boolean closed;

  /** Takes ownership of {@code allocator}: it is closed with these columns. */
  BatchColumns(BufferAllocator allocator) {
    this.allocator = requireNonNull(allocator, "allocator");
    PingVectors created;
    try {
      created = new PingVectors(allocator);
    } catch (RuntimeException e) {
      allocator.close();
      throw e;
    }
    this.vectors = created;
  }

  long firstPosition() {
    return firstPosition;
  }

  long lastPosition() {
    return lastPosition;
  }

  int records() {
    return records;
  }

  int rowCount() {
    return rows;
  }

  /** The {@code received_at} of the first record; meaningless while there is none. */
  long firstReceivedAtMicros() {
    return firstReceivedAtMicros;
  }

  /**
   * Appends every ping of the record {@code columns} last scanned, or nothing: false when the record
   * would take the batch past {@code maxRows}, or past its allocator's limit, while the batch already
   * holds records. A record alone gets an empty batch whatever its size; if it does not fit in the
   * allocator's limit even then, {@link RecordTooLargeException}.
   */
  boolean tryAppend(WalRecordColumns columns, int maxRows) {
    int pings = columns.pings();
    if (records > 0 && (long) rows + pings > maxRows) {
      return false;
    }
    try {
      columns.append(vectors, rows);
    } catch (OutOfMemoryException e) {
      vectors.rollback(rows);
      if (records > 0) {
        return false;
      }
      vectors.reallocate();
      try {
        columns.append(vectors, rows);
      } catch (OutOfMemoryException again) {
        vectors.reallocate();
        throw new RecordTooLargeException(columns.position(), pings, allocator.getLimit(), again);
      }
    }
    rows += pings;
    records++;
    if (firstPosition == Wal.NONE) {
      firstPosition = columns.position();
      firstReceivedAtMicros = columns.receivedAtMicros();
    }
    lastPosition = columns.position();
    return true;
  }

  /** Publishes the rows appended so far to the root. */
  void seal() {
    vectors.seal(rows);
  }

  /** Empties the batch for the next records; the vectors keep their buffers. */
  void reset() {
    vectors.reset();
    rows = 0;
    records = 0;
    firstPosition = Wal.NONE;
    lastPosition = Wal.NONE;
  }

  /** Releases the vectors and the allocator. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      vectors.close();
    } finally {
      allocator.close();
    }
  }
}
