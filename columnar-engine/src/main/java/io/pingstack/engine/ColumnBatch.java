package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Whole WAL records decoded into Arrow vectors: one row per ping in {@link PingSchema}, the records
 * in WAL order, none split. It holds the records with positions {@link #firstPosition()} to
 * {@link #lastPosition()} inclusive.
 *
 * <p><b>Ownership.</b> A batch handed to {@link BatchSink#accept} is BORROWED for the duration of
 * that one call: as soon as {@code accept} returns (or throws), the engine refills its vectors with
 * later records, or hands them to another consumer's sink. A sink reads it (through the accessors
 * here, or {@link #root()} read-only) and copies whatever it keeps; it never retains the batch, its
 * root or a vector, never transfers buffers out of it, never changes them and never closes it. The
 * vectors may be read by another consumer's sink during the same time (the consumers of one log
 * share what they decode, {@link BatchExchange}): reading changes nothing, and each consumer reads
 * through a batch object of its own. (Arrow's {@code VectorUnloader}, which the cold store writes a
 * batch with, sets the buffers' reader and writer indexes, always to the same values; nothing else
 * reads them, and a sink never uses a vector's {@code getReader()}, which keeps state in the vector.)
 * Only the creator of a batch closes it. A batch object is used by one thread at a time.
 */
public final class ColumnBatch implements AutoCloseable {
  /**
   * The string columns, for a sink that copies their UTF-8 bytes ({@link #utf8Length},
   * {@link #copyUtf8}) instead of reading {@code String}s: a row's, or for the last three a map
   * entry's ({@link #metricStart}, {@link #dimensionStart}).
   */
  public enum Text {
    INGEST_NODE,
    PING_ID,
    INSTANCE_ID,
    EVENT,
    VERSION,
    DEPLOY_TYPE,
    PAYLOAD,
    METRIC_KEY,
    DIMENSION_KEY,
    DIMENSION_VALUE
  }

  private final Utf8Strings strings = new Utf8Strings();
  /** The columns this batch made and closes; null for a consumer's view of columns it borrows. */
  private final BatchColumns owned;
  private BatchColumns columns;
  /** {@code columns.vectors}, kept at hand: every accessor below reads it, row after row. */
  private PingVectors vectors;

  /** Takes ownership of {@code allocator}: it is closed with the batch. */
  ColumnBatch(BufferAllocator allocator) {
    this.owned = new BatchColumns(allocator);
    show(owned);
  }

  private ColumnBatch(BatchColumns owned) {
    this.owned = owned;
  }

  /** A batch that shows columns other code owns ({@link #show}); closing it closes nothing. */
  static ColumnBatch view() {
    return new ColumnBatch((BatchColumns) null);
  }

  /** Shows {@code shown} from now on. */
  void show(BatchColumns shown) {
    this.columns = shown;
    this.vectors = shown.vectors;
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
    return columns.firstPosition();
  }

  /** Position of the last WAL record in the batch; {@link Wal#NONE} when it holds none. */
  public long lastPosition() {
    return columns.lastPosition();
  }

  /** How many WAL records the batch holds (a record with no pings counts, with no rows). */
  public int records() {
    return columns.records();
  }

  /** How many rows (pings) the batch holds. */
  public int rowCount() {
    return columns.rowCount();
  }

  public long walPosition(int row) {
    return vectors.walPosition.get(row);
  }

  /** The row after the last one of the record {@code row} belongs to (records are never split). */
  public int recordEnd(int row) {
    long position = walPosition(row);
    int end = row + 1;
    int rows = rowCount();
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

  /**
   * The length in bytes of the UTF-8 text of {@code column} at {@code index} (a row, or an entry of
   * the map columns); 0 where it is null (a ping without payload).
   */
  public int utf8Length(Text column, int index) {
    VarCharVector vector = vectors.texts[column.ordinal()];
    return vector.isNull(index) ? 0 : Utf8Strings.length(vector, index);
  }

  /**
   * Copies the {@link #utf8Length} bytes of {@code column} at {@code index} into {@code into} from
   * {@code at}; returns how many, or -1, having copied nothing, when they do not fit.
   */
  public int copyUtf8(Text column, int index, byte[] into, int at) {
    VarCharVector vector = vectors.texts[column.ordinal()];
    return vector.isNull(index) ? 0 : Utf8Strings.copy(vector, index, into, at);
  }

  /** The first entry of the row's metrics, for {@link Text#METRIC_KEY} and {@link #metricValue}. */
  public int metricStart(int row) {
    return vectors.metrics.getElementStartIndex(row);
  }

  /** The entry after the row's last metric. */
  public int metricEnd(int row) {
    return vectors.metrics.getElementEndIndex(row);
  }

  /** The key of metric entry {@code entry}. */
  public String metricKey(int entry) {
    return strings.get(vectors.metricKeys, entry);
  }

  /** The value of metric entry {@code entry}. */
  public double metricValue(int entry) {
    return vectors.metricValues.get(entry);
  }

  /** The first entry of the row's dimensions, for {@link Text#DIMENSION_KEY} and {@link Text#DIMENSION_VALUE}. */
  public int dimensionStart(int row) {
    return vectors.dimensions.getElementStartIndex(row);
  }

  /** The entry after the row's last dimension. */
  public int dimensionEnd(int row) {
    return vectors.dimensions.getElementEndIndex(row);
  }

  /** The key of dimension entry {@code entry}. */
  public String dimensionKey(int entry) {
    return strings.get(vectors.dimensionKeys, entry);
  }

  /** The value of dimension entry {@code entry}. */
  public String dimensionValue(int entry) {
    return strings.get(vectors.dimensionValues, entry);
  }

  PingVectors vectors() {
    return vectors;
  }

  /** See {@link BatchColumns#tryAppend}; for a batch that owns its columns. */
  boolean tryAppend(WalRecordColumns record, int maxRows) {
    return owned.tryAppend(record, maxRows);
  }

  /** Publishes the rows appended so far to {@link #root()}. */
  void seal() {
    owned.seal();
  }

  /** Empties the batch for the next records; the vectors keep their buffers. */
  void reset() {
    owned.reset();
  }

  /** Releases the vectors and the allocator of a batch that owns them; nothing for a view. Idempotent. */
  @Override
  public void close() {
    if (owned != null) {
      owned.close();
    }
  }
}
