package io.pingstack.engine.clickhouse;

import com.clickhouse.client.api.data_formats.RowBinaryFormatSerializer;
import io.pingstack.engine.ColumnBatch;
import io.pingstack.model.Wal;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Rows waiting to be inserted, encoded as RowBinary in {@link PingTable} column order, grouped by the
 * UTC day of their event time (the partition) and cut into chunks of at most {@code maxRows} rows at
 * WAL record boundaries: one chunk is one INSERT, within one partition, all or nothing. Chunks of a
 * day hold increasing WAL positions. Memory: the encoded rows and one int per row.
 */
final class RowChunks {
  static final long MICROS_PER_DAY = 86_400_000_000L;

  /** One INSERT's rows: whole WAL records' rows of one day, in WAL order. */
  static final class Chunk {
    final long day;
    final Bytes bytes = new Bytes();
    final RowBinaryFormatSerializer out = new RowBinaryFormatSerializer(bytes);
    int[] rowStarts = new int[64];
    int rows;
    long firstPosition = Wal.NONE;
    long lastPosition = Wal.NONE;

    Chunk(long day) {
      this.day = day;
    }

    void startRow(long position) {
      if (rows == rowStarts.length) {
        rowStarts = Arrays.copyOf(rowStarts, rows * 2);
      }
      rowStarts[rows++] = bytes.size();
      if (firstPosition == Wal.NONE) {
        firstPosition = position;
      }
      lastPosition = position;
    }

    /** Byte offset of row {@code row}; {@code rows} gives the end. */
    int offset(int row) {
      return row == rows ? bytes.size() : rowStarts[row];
    }

    byte[] array() {
      return bytes.array();
    }
  }

  /**
   * The encoded rows: an unsynchronized, growable byte array whose array is lent to the insert
   * without a copy, with the rows' strings copied straight from the batch's UTF-8 bytes.
   */
  static final class Bytes extends OutputStream {
    private byte[] buf = new byte[64 * 1024];
    private int count;

    @Override
    public void write(int b) {
      ensure(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    /** The text of {@code column} at {@code index} of {@code batch} as a RowBinary String: its length, then its bytes. */
    void text(ColumnBatch batch, ColumnBatch.Text column, int index) throws IOException {
      int length = batch.utf8Length(column, index);
      RowBinaryFormatSerializer.writeSize(this, length);
      ensure(length);
      count += batch.copyUtf8(column, index, buf, count);
    }

    private void ensure(int more) {
      if (more > buf.length - count) {
        buf = Arrays.copyOf(buf, Math.max(Math.addExact(count, more), 2 * buf.length));
      }
    }

    int size() {
      return count;
    }

    byte[] array() {
      return buf;
    }
  }

  private final int maxRows;
  private final Map<String, Integer> dimensionIndex = new HashMap<>();
  private final Map<String, Integer> metricIndex = new HashMap<>();
  private final TreeMap<Long, List<Chunk>> days = new TreeMap<>();
  /** Per declared dimension (metric), the row's entry that has it, or -1. */
  private final int[] dimensionEntries;
  private final int[] metricEntries;
  private final Entries otherMetrics = new Entries();
  private final Entries otherDimensions = new Entries();
  private long bytes;
  private long rows;

  RowChunks(int maxRows, List<String> dimensionKeys, List<String> metricKeys) {
    this.maxRows = maxRows;
    for (int i = 0; i < dimensionKeys.size(); i++) {
      dimensionIndex.put(dimensionKeys.get(i), i);
    }
    for (int i = 0; i < metricKeys.size(); i++) {
      metricIndex.put(metricKeys.get(i), i);
    }
    this.dimensionEntries = new int[dimensionKeys.size()];
    this.metricEntries = new int[metricKeys.size()];
  }

  static long dayOf(long timestampMicros) {
    return Math.floorDiv(timestampMicros, MICROS_PER_DAY);
  }

  /**
   * The chunk that takes the rows of day {@code day} of the record at {@code position}, which has
   * {@code recordRows} rows in all: the day's last chunk, or a new one when the record might not fit.
   */
  Chunk chunkFor(long day, long position, int recordRows) {
    List<Chunk> chunks = days.computeIfAbsent(day, d -> new ArrayList<>());
    Chunk last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
    if (last != null && (last.lastPosition == position || last.rows + recordRows <= maxRows)) {
      return last;
    }
    Chunk chunk = new Chunk(day);
    chunks.add(chunk);
    return chunk;
  }

  /**
   * Encodes row {@code row} of {@code batch} into {@code chunk}. Strings go from the batch's UTF-8
   * bytes into the chunk: none is decoded, except the metric and dimension keys when some are
   * declared (looked up among them).
   */
  void write(Chunk chunk, ColumnBatch batch, int row) {
    Bytes b = chunk.bytes;
    int before = b.size();
    chunk.startRow(batch.walPosition(row));
    try {
      RowBinaryFormatSerializer out = chunk.out;
      out.writeInt64(batch.walPosition(row));
      out.writeInt64(batch.receivedAtMicros(row));
      b.text(batch, ColumnBatch.Text.INGEST_NODE, row);
      b.text(batch, ColumnBatch.Text.PING_ID, row);
      b.text(batch, ColumnBatch.Text.INSTANCE_ID, row);
      out.writeInt64(batch.timestampMicros(row));
      b.text(batch, ColumnBatch.Text.EVENT, row);
      b.text(batch, ColumnBatch.Text.VERSION, row);
      b.text(batch, ColumnBatch.Text.DEPLOY_TYPE, row);
      collect(batch, row);
      for (int entry : dimensionEntries) {
        if (entry < 0) {
          out.writeNull();
        } else {
          out.writeNotNull();
          b.text(batch, ColumnBatch.Text.DIMENSION_VALUE, entry);
        }
      }
      for (int entry : metricEntries) {
        if (entry < 0) {
          out.writeNull();
        } else {
          out.writeNotNull();
          out.writeFloat64(batch.metricValue(entry));
        }
      }
      RowBinaryFormatSerializer.writeSize(b, otherMetrics.size);
      for (int i = 0; i < otherMetrics.size; i++) {
        b.text(batch, ColumnBatch.Text.METRIC_KEY, otherMetrics.entries[i]);
      }
      RowBinaryFormatSerializer.writeSize(b, otherMetrics.size);
      for (int i = 0; i < otherMetrics.size; i++) {
        out.writeFloat64(batch.metricValue(otherMetrics.entries[i]));
      }
      RowBinaryFormatSerializer.writeSize(b, otherDimensions.size);
      for (int i = 0; i < otherDimensions.size; i++) {
        b.text(batch, ColumnBatch.Text.DIMENSION_KEY, otherDimensions.entries[i]);
      }
      RowBinaryFormatSerializer.writeSize(b, otherDimensions.size);
      for (int i = 0; i < otherDimensions.size; i++) {
        b.text(batch, ColumnBatch.Text.DIMENSION_VALUE, otherDimensions.entries[i]);
      }
      b.text(batch, ColumnBatch.Text.PAYLOAD, row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bytes += b.size() - before;
    rows++;
  }

  /** Sorts the row's metric and dimension entries into the declared columns' slots and the others. */
  private void collect(ColumnBatch batch, int row) {
    sort(batch, true, batch.metricStart(row), batch.metricEnd(row), metricIndex, metricEntries, otherMetrics);
    sort(batch, false, batch.dimensionStart(row), batch.dimensionEnd(row), dimensionIndex, dimensionEntries, otherDimensions);
  }

  /**
   * Metric (or dimension) entries {@code start} to {@code end}: into {@code declared} by their key's
   * slot in {@code index}, else {@code others}.
   */
  private static void sort(ColumnBatch batch, boolean metrics, int start, int end, Map<String, Integer> index, int[] declared,
      Entries others) {
    Arrays.fill(declared, -1);
    others.size = 0;
    for (int entry = start; entry < end; entry++) {
      Integer slot = index.isEmpty() ? null : index.get(metrics ? batch.metricKey(entry) : batch.dimensionKey(entry));
      if (slot == null) {
        others.add(entry);
      } else {
        declared[slot] = entry;
      }
    }
  }

  /** Map entries of one row, in the order the ping had them. */
  private static final class Entries {
    int[] entries = new int[16];
    int size;

    void add(int entry) {
      if (size == entries.length) {
        entries = Arrays.copyOf(entries, size * 2);
      }
      entries[size++] = entry;
    }
  }

  /** The days with rows, in increasing order, each with its chunks in WAL order. */
  TreeMap<Long, List<Chunk>> days() {
    return days;
  }

  long bytes() {
    return bytes;
  }

  long rows() {
    return rows;
  }

  boolean isEmpty() {
    return rows == 0;
  }

  void clear() {
    days.clear();
    bytes = 0;
    rows = 0;
  }

  /** The WAL position, instance id and ping id at the start of an encoded row (for the quarantine). */
  record RowKey(long walPosition, String instanceId, String pingId) {
    static RowKey read(byte[] bytes, int offset) {
      long position = int64(bytes, offset);
      int at = skipString(bytes, offset + 2 * Long.BYTES); // received_at, ingest_node
      String pingId = string(bytes, at);
      String instanceId = string(bytes, skipString(bytes, at));
      return new RowKey(position, instanceId, pingId);
    }

    private static String string(byte[] bytes, int at) {
      int length = length(bytes, at);
      return new String(bytes, at + lengthSize(length), length, StandardCharsets.UTF_8);
    }
  }

  /** The little-endian Int64 at {@code at}. */
  static long int64(byte[] bytes, int at) {
    long value = 0;
    for (int i = Long.BYTES - 1; i >= 0; i--) {
      value = value << 8 | (bytes[at + i] & 0xFF);
    }
    return value;
  }

  /** The length of the RowBinary String at {@code at} (unsigned LEB128, as {@code writeSize} writes it). */
  static int length(byte[] bytes, int at) {
    int value = 0;
    int shift = 0;
    byte b;
    do {
      b = bytes[at++];
      value |= (b & 0x7F) << shift;
      shift += 7;
    } while (b < 0);
    return value;
  }

  /** How many bytes the length {@code length} takes. */
  static int lengthSize(int length) {
    int size = 1;
    while ((length >>>= 7) != 0) {
      size++;
    }
    return size;
  }

  /** Where the RowBinary String at {@code at} ends. */
  static int skipString(byte[] bytes, int at) {
    int length = length(bytes, at);
    return at + lengthSize(length) + length;
  }
}
