package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.ObjDoubleConsumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Whole WAL records decoded into Arrow vectors: one row per ping in {@link PingSchema}, the records
 * in WAL order, none split. It holds the records with positions {@link #firstPosition()} to
 * {@link #lastPosition()} inclusive.
 *
 * <p><b>Ownership.</b> A batch handed to {@link BatchSink#accept} is BORROWED for the duration of
 * that one call: the engine resets its vectors and fills them with the next records as soon as
 * {@code accept} returns (or throws). A sink reads it (through the accessors here, or
 * {@link #root()} read-only) and copies whatever it keeps; it never retains the batch, its root or a
 * vector, never transfers buffers out of it and never closes it. Only the creator of a batch closes
 * it. Not thread-safe: one thread at a time.
 */
public final class ColumnBatch implements AutoCloseable {
  private final BufferAllocator allocator;
  private final PingVectors vectors;
  private final Utf8Strings strings = new Utf8Strings();
  private int rows;
  private int records;
  private long firstPosition = Wal.NONE;
  private long lastPosition = Wal.NONE;
  private boolean closed;

  /** Takes ownership of {@code allocator}: it is closed with the batch. */
  ColumnBatch(BufferAllocator allocator) {
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

  /**
   * A batch of {@code entries} (in increasing position order), in memory of its own, owned by the
   * caller, who closes it. For tests of sinks and for replays; the consumer builds its own.
   */
  public static ColumnBatch of(List<WalReader.Entry> entries) {
    requireNonNull(entries, "entries");
    ColumnBatch batch = new ColumnBatch(EngineMemory.child("column-batch", Long.MAX_VALUE));
    try {
      WalRecordColumns columns = new WalRecordColumns();
      for (WalReader.Entry entry : entries) {
        columns.scan(entry.position(), entry.record().toByteArray());
        if (!batch.tryAppend(columns, Integer.MAX_VALUE)) {
          throw new IllegalArgumentException("WAL record at position " + entry.position() + " does not fit in a batch");
        }
      }
      batch.seal();
      return batch;
    } catch (RuntimeException e) {
      batch.close();
      throw e;
    }
  }

  /** The vectors, in {@link PingSchema}; read-only for a sink, valid only during {@code accept}. */
  public VectorSchemaRoot root() {
    return vectors.root;
  }

  /** Position of the first WAL record in the batch; {@link Wal#NONE} when it holds none. */
  public long firstPosition() {
    return firstPosition;
  }

  /** Position of the last WAL record in the batch; {@link Wal#NONE} when it holds none. */
  public long lastPosition() {
    return lastPosition;
  }

  /** How many WAL records the batch holds (a record with no pings counts, with no rows). */
  public int records() {
    return records;
  }

  /** How many rows (pings) the batch holds. */
  public int rowCount() {
    return rows;
  }

  public long walPosition(int row) {
    return vectors.walPosition.get(row);
  }

  /** The row after the last one of the record {@code row} belongs to (records are never split). */
  public int recordEnd(int row) {
    long position = walPosition(row);
    int end = row + 1;
    while (end < rows && walPosition(end) == position) {
      end++;
    }
    return end;
  }

  public long receivedAtMicros(int row) {
    return vectors.receivedAt.get(row);
  }

  public String ingestNode(int row) {
    return strings.get(vectors.ingestNode, row);
  }

  public String pingId(int row) {
    return PingVectors.string(vectors.pingId, row);
  }

  public String instanceId(int row) {
    return strings.get(vectors.instanceId, row);
  }

  /** Event time, microseconds since the epoch (UTC). */
  public long timestampMicros(int row) {
    return vectors.timestamp.get(row);
  }

  public String event(int row) {
    return strings.get(vectors.event, row);
  }

  /** Empty when the ping had none. */
  public String version(int row) {
    return strings.get(vectors.version, row);
  }

  /** Empty when the ping had none. */
  public String deployType(int row) {
    return strings.get(vectors.deployType, row);
  }

  /** The payload JSON text, or null when the ping had none. */
  public String payload(int row) {
    return vectors.payload.isNull(row) ? null : PingVectors.string(vectors.payload, row);
  }

  public int metricCount(int row) {
    return vectors.metrics.getElementEndIndex(row) - vectors.metrics.getElementStartIndex(row);
  }

  /** Calls {@code action} with each metric of the row, in the order the ping had them. */
  public void forEachMetric(int row, ObjDoubleConsumer<String> action) {
    int end = vectors.metrics.getElementEndIndex(row);
    for (int i = vectors.metrics.getElementStartIndex(row); i < end; i++) {
      action.accept(strings.get(vectors.metricKeys, i), vectors.metricValues.get(i));
    }
  }

  public int dimensionCount(int row) {
    return vectors.dimensions.getElementEndIndex(row) - vectors.dimensions.getElementStartIndex(row);
  }

  /** Calls {@code action} with each dimension (key, value) of the row, in the order the ping had them. */
  public void forEachDimension(int row, BiConsumer<String, String> action) {
    int end = vectors.dimensions.getElementEndIndex(row);
    for (int i = vectors.dimensions.getElementStartIndex(row); i < end; i++) {
      action.accept(strings.get(vectors.dimensionKeys, i), strings.get(vectors.dimensionValues, i));
    }
  }

  PingVectors vectors() {
    return vectors;
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
    }
    lastPosition = columns.position();
    return true;
  }

  /** Publishes the rows appended so far to {@link #root()}. */
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
