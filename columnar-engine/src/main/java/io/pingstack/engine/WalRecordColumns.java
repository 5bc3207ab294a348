package io.pingstack.engine;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.util.Arrays;
import org.apache.arrow.vector.VarCharVector;

/**
 * Decodes an encoded {@link WalRecord} straight into {@link PingVectors}, one row per ping, without
 * building protobuf messages: strings go in as the UTF-8 bytes of the record (the gateway checked
 * them when it parsed the request), numbers as read. Both consumers decode every record; building
 * a {@code Ping} per row and copying it out again was most of their time.
 *
 * <p>The rows are exactly what {@code WalRecord.parseFrom} would give: fields may come in any order,
 * a repeated scalar field keeps its last value, a map keeps the first position and the last value of
 * a repeated key, a map entry without a key or value has the default one, and unknown fields are
 * skipped. Bytes that are not a well-formed record throw {@link WalCorruptException}.
 *
 * <p>Use: {@link #scan} a record, then {@link #append} its rows. Reusable, one thread at a time.
 */
final class WalRecordColumns {
  private static final int RECEIVED_AT = tag(WalRecord.RECEIVED_AT_MICROS_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
  private static final int INGEST_NODE = tag(WalRecord.INGEST_NODE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int PINGS = tag(WalRecord.PINGS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private static final int SECONDS = tag(1, WireFormat.WIRETYPE_VARINT);
  private static final int NANOS = tag(1 + 1, WireFormat.WIRETYPE_VARINT);
  private static final int ENTRY_KEY = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int ENTRY_DOUBLE = tag(1 + 1, WireFormat.WIRETYPE_FIXED64);
  private static final int ENTRY_STRING = tag(1 + 1, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private byte[] record;
  private long position;
  private long receivedAtMicros;
  private int nodeOffset;
  private int nodeLength;
  private int pings;

  // One ping's string fields as ranges of the record, by field number, filled by readPing.
  private final int[] offset = new int[Ping.PAYLOAD_FIELD_NUMBER + 1];
  private final int[] length = new int[Ping.PAYLOAD_FIELD_NUMBER + 1];
  private long seconds;
  private int nanos;
  private final Entries metrics = new Entries();
  private final Entries dimensions = new Entries();

  private static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }

  /** Reads the record's own fields and counts its pings; {@code record} must not change until the next scan. */
  void scan(long position, byte[] record) {
    this.record = record;
    this.position = position;
    receivedAtMicros = 0;
    nodeOffset = 0;
    nodeLength = 0;
    pings = 0;
    try {
      CodedInputStream in = CodedInputStream.newInstance(record);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == RECEIVED_AT) {
          receivedAtMicros = in.readInt64();
        } else if (tag == INGEST_NODE) {
          nodeLength = in.readRawVarint32();
          nodeOffset = in.getTotalBytesRead();
          in.skipRawBytes(nodeLength);
        } else if (tag == PINGS) {
          in.skipRawBytes(in.readRawVarint32());
          pings++;
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new WalCorruptException(position, e);
    }
  }

  /** The scanned record's position. */
  long position() {
    return position;
  }

  /** The scanned record's {@code received_at_micros}. */
  long receivedAtMicros() {
    return receivedAtMicros;
  }

  /** How many pings the scanned record holds. */
  int pings() {
    return pings;
  }

  /**
   * Writes the scanned record's pings as rows {@code firstRow} onwards. May throw Arrow's {@code
   * OutOfMemoryException} midway: the caller rolls the vectors back.
   */
  void append(PingVectors vectors, int firstRow) {
    int row = firstRow;
    try {
      CodedInputStream in = CodedInputStream.newInstance(record);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == PINGS) {
          int limit = in.pushLimit(in.readRawVarint32());
          readPing(in);
          in.popLimit(limit);
          writeRow(vectors, row++);
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new WalCorruptException(position, e);
    }
  }

  private void readPing(CodedInputStream in) throws IOException {
    Arrays.fill(offset, 0);
    Arrays.fill(length, 0);
    seconds = 0;
    nanos = 0;
    metrics.clear();
    dimensions.clear();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        in.skipField(tag); // every field of a Ping is length-delimited: this one is unknown
        continue;
      }
      int field = WireFormat.getTagFieldNumber(tag);
      switch (field) {
        case Ping.PING_ID_FIELD_NUMBER, Ping.INSTANCE_ID_FIELD_NUMBER, Ping.EVENT_FIELD_NUMBER, Ping.VERSION_FIELD_NUMBER,
            Ping.DEPLOY_TYPE_FIELD_NUMBER, Ping.PAYLOAD_FIELD_NUMBER -> {
          length[field] = in.readRawVarint32();
          offset[field] = skip(in, length[field]);
        }
        case Ping.TIMESTAMP_FIELD_NUMBER -> readTimestamp(in);
        case Ping.METRICS_FIELD_NUMBER -> readEntry(in, metrics, ENTRY_DOUBLE);
        case Ping.DIMENSIONS_FIELD_NUMBER -> readEntry(in, dimensions, ENTRY_STRING);
        default -> in.skipField(tag);
      }
    }
  }

  /** Skips {@code length} bytes and returns the offset in the record where they start. */
  private static int skip(CodedInputStream in, int length) throws IOException {
    int offset = in.getTotalBytesRead();
    in.skipRawBytes(length);
    return offset;
  }

  /** A later timestamp field is merged into the earlier one, field by field, as protobuf does. */
  private void readTimestamp(CodedInputStream in) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == SECONDS) {
        seconds = in.readInt64();
      } else if (tag == NANOS) {
        nanos = in.readInt32();
      } else {
        in.skipField(tag);
      }
    }
    in.popLimit(limit);
  }

  private void readEntry(CodedInputStream in, Entries entries, int valueTag) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    int keyOffset = 0;
    int keyLength = 0;
    long value = 0;
    int valueLength = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == ENTRY_KEY) {
        keyLength = in.readRawVarint32();
        keyOffset = skip(in, keyLength);
      } else if (tag == valueTag && valueTag == ENTRY_DOUBLE) {
        value = in.readRawLittleEndian64();
      } else if (tag == valueTag) {
        valueLength = in.readRawVarint32();
        value = skip(in, valueLength);
      } else {
        in.skipField(tag);
      }
    }
    in.popLimit(limit);
    entries.put(record, keyOffset, keyLength, value, valueLength);
  }

  private void writeRow(PingVectors v, int row) {
    byte[] r = record;
    v.walPosition.setSafe(row, position);
    v.receivedAt.setSafe(row, receivedAtMicros);
    v.ingestNode.setSafe(row, r, nodeOffset, nodeLength);
    string(v.pingId, row, Ping.PING_ID_FIELD_NUMBER);
    string(v.instanceId, row, Ping.INSTANCE_ID_FIELD_NUMBER);
    v.timestamp.setSafe(row, seconds * 1_000_000L + nanos / 1_000);
    string(v.event, row, Ping.EVENT_FIELD_NUMBER);
    string(v.version, row, Ping.VERSION_FIELD_NUMBER);
    string(v.deployType, row, Ping.DEPLOY_TYPE_FIELD_NUMBER);
    int entry = v.metrics.startNewValue(row);
    for (int i = 0; i < metrics.count; i++, entry++) {
      v.metricEntries.setIndexDefined(entry);
      v.metricKeys.setSafe(entry, r, metrics.keyOffset[i], metrics.keyLength[i]);
      v.metricValues.setSafe(entry, Double.longBitsToDouble(metrics.value[i]));
    }
    v.metrics.endValue(row, metrics.count);
    entry = v.dimensions.startNewValue(row);
    for (int i = 0; i < dimensions.count; i++, entry++) {
      v.dimensionEntries.setIndexDefined(entry);
      v.dimensionKeys.setSafe(entry, r, dimensions.keyOffset[i], dimensions.keyLength[i]);
      v.dimensionValues.setSafe(entry, r, (int) dimensions.value[i], dimensions.valueLength[i]);
    }
    v.dimensions.endValue(row, dimensions.count);
    string(v.payload, row, Ping.PAYLOAD_FIELD_NUMBER);
    if (length[Ping.PAYLOAD_FIELD_NUMBER] == 0) {
      v.payload.setNull(row);
    }
  }

  private void string(VarCharVector vector, int row, int field) {
    vector.setSafe(row, record, offset[field], length[field]);
  }

  /**
   * One map field of one ping: keys as ranges of the record, values as the double's bits or the
   * string's offset (with its length). A repeated key keeps its first slot and takes the new value.
   */
  private static final class Entries {
    int count;
    int[] keyOffset = new int[8];
    int[] keyLength = new int[8];
    long[] value = new long[8];
    int[] valueLength = new int[8];

    void clear() {
      count = 0;
    }

    void put(byte[] record, int offset, int length, long newValue, int newValueLength) {
      for (int i = 0; i < count; i++) {
        if (keyLength[i] == length
            && Arrays.equals(record, keyOffset[i], keyOffset[i] + length, record, offset, offset + length)) {
          value[i] = newValue;
          valueLength[i] = newValueLength;
          return;
        }
      }
      if (count == keyOffset.length) {
        int grown = count * 2;
        keyOffset = Arrays.copyOf(keyOffset, grown);
        keyLength = Arrays.copyOf(keyLength, grown);
        value = Arrays.copyOf(value, grown);
        valueLength = Arrays.copyOf(valueLength, grown);
      }
      keyOffset[count] = offset;
      keyLength[count] = length;
      value[count] = newValue;
      valueLength[count] = newValueLength;
      count++;
    }
  }
}
