package io.pingstack.engine.clickhouse;

import com.clickhouse.client.api.data_formats.RowBinaryFormatSerializer;
import io.pingstack.engine.ColumnBatch;
import io.pingstack.model.Wal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /** A ByteArrayOutputStream whose array is lent to the insert without a copy. */
  static final class Bytes extends ByteArrayOutputStream {
    Bytes() {
      super(64 * 1024);
    }

    byte[] array() {
      return buf;
    }
  }

  private final int maxRows;
  private final Map<String, Integer> dimensionIndex = new HashMap<>();
  private final Map<String, Integer> metricIndex = new HashMap<>();
  private final TreeMap<Long, List<Chunk>> days = new TreeMap<>();
  private final String[] dimensionValues;
  private final double[] metricValues;
  private final boolean[] metricPresent;
  private final List<String> otherMetricKeys = new ArrayList<>();
  private double[] otherMetricValues = new double[16];
  private final List<String> otherDimensionKeys = new ArrayList<>();
  private final List<String> otherDimensionValues = new ArrayList<>();
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
    this.dimensionValues = new String[dimensionKeys.size()];
    this.metricValues = new double[metricKeys.size()];
    this.metricPresent = new boolean[metricKeys.size()];
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

  /** Encodes row {@code row} of {@code batch} into {@code chunk}. */
  void write(Chunk chunk, ColumnBatch batch, int row) {
    int before = chunk.bytes.size();
    chunk.startRow(batch.walPosition(row));
    try {
      RowBinaryFormatSerializer out = chunk.out;
      out.writeInt64(batch.walPosition(row));
      out.writeInt64(batch.receivedAtMicros(row));
      out.writeString(batch.ingestNode(row));
      out.writeString(batch.pingId(row));
      out.writeString(batch.instanceId(row));
      out.writeInt64(batch.timestampMicros(row));
      out.writeString(batch.event(row));
      out.writeString(batch.version(row));
      out.writeString(batch.deployType(row));
      collect(batch, row);
      for (String value : dimensionValues) {
        if (value == null) {
          out.writeNull();
        } else {
          out.writeNotNull();
          out.writeString(value);
        }
      }
      for (int i = 0; i < metricValues.length; i++) {
        if (metricPresent[i]) {
          out.writeNotNull();
          out.writeFloat64(metricValues[i]);
        } else {
          out.writeNull();
        }
      }
      RowBinaryFormatSerializer.writeSize(chunk.bytes, otherMetricKeys.size());
      for (String key : otherMetricKeys) {
        out.writeString(key);
      }
      RowBinaryFormatSerializer.writeSize(chunk.bytes, otherMetricKeys.size());
      for (int i = 0; i < otherMetricKeys.size(); i++) {
        out.writeFloat64(otherMetricValues[i]);
      }
      RowBinaryFormatSerializer.writeSize(chunk.bytes, otherDimensionKeys.size());
      for (String key : otherDimensionKeys) {
        out.writeString(key);
      }
      RowBinaryFormatSerializer.writeSize(chunk.bytes, otherDimensionValues.size());
      for (String value : otherDimensionValues) {
        out.writeString(value);
      }
      String payload = batch.payload(row);
      out.writeString(payload == null ? "" : payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bytes += chunk.bytes.size() - before;
    rows++;
  }

  private void collect(ColumnBatch batch, int row) {
    Arrays.fill(dimensionValues, null);
    Arrays.fill(metricPresent, false);
    otherMetricKeys.clear();
    otherDimensionKeys.clear();
    otherDimensionValues.clear();
    batch.forEachMetric(row, (key, value) -> {
      Integer declared = metricIndex.get(key);
      if (declared != null) {
        metricValues[declared] = value;
        metricPresent[declared] = true;
        return;
      }
      int i = otherMetricKeys.size();
      if (i == otherMetricValues.length) {
        otherMetricValues = Arrays.copyOf(otherMetricValues, i * 2);
      }
      otherMetricKeys.add(key);
      otherMetricValues[i] = value;
    });
    batch.forEachDimension(row, (key, value) -> {
      Integer declared = dimensionIndex.get(key);
      if (declared != null) {
        dimensionValues[declared] = value;
      } else {
        otherDimensionKeys.add(key);
        otherDimensionValues.add(value);
      }
    });
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
      int[] at = {offset};
      long position = readInt64(bytes, at);
      readInt64(bytes, at); // received_at
      readString(bytes, at); // ingest_node
      String pingId = readString(bytes, at);
      String instanceId = readString(bytes, at);
      return new RowKey(position, instanceId, pingId);
    }

    private static long readInt64(byte[] bytes, int[] at) {
      long value = 0;
      for (int i = 7; i >= 0; i--) {
        value = value << 8 | (bytes[at[0] + i] & 0xFF);
      }
      at[0] += 8;
      return value;
    }

    private static String readString(byte[] bytes, int[] at) {
      int length = 0;
      int shift = 0;
      byte b;
      do {
        b = bytes[at[0]++];
        length |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      String value = new String(bytes, at[0], length, StandardCharsets.UTF_8);
      at[0] += length;
      return value;
    }
  }
}
