package io.pingstack.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.pingstack.model.proto.Ping;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Checks one encoded {@link Ping} where it lies in a request body, without building it. {@link
 * #validAsSent} is true only when the ping is valid by {@link PingRules} and its bytes are exactly
 * protobuf's encoding of what they hold: each field once and not empty, no unknown field, every map
 * entry a key then a value, no map key twice, no text with a NUL or outside UTF-8, lengths and varints
 * in their shortest form. Those are what a client's protobuf library writes, and what the log may
 * take as they are. Anything else, an invalid ping included, is left to parsing, which says what is
 * wrong: false means "not known to be valid", never "invalid".
 *
 * <p>Parsing a ping builds a string per text and a map entry per metric and dimension, most of the
 * gateway's decoding time. One instance serves the pings of one body; not thread-safe.
 */
final class PingScan {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int LENGTH_DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int KEY_TAG = (1 << 3) | LENGTH_DELIMITED;
  private static final int DOUBLE_VALUE_TAG = (2 << 3) | WireFormat.WIRETYPE_FIXED64;
  private static final int STRING_VALUE_TAG = (2 << 3) | LENGTH_DELIMITED;
  private static final int SECONDS_TAG = (1 << 3) | WireFormat.WIRETYPE_VARINT;
  private static final int NANOS_TAG = (2 << 3) | WireFormat.WIRETYPE_VARINT;

  private final PingRules rules;
  private final long nowMillis;
  /** The ids of the ping last found valid, as ranges of the body. */
  int pingIdOffset;
  int pingIdLength;
  int instanceIdOffset;
  int instanceIdLength;
  /** The map keys of the ping being scanned, three ints each (map's field number, offset, length), to find a key given twice. */
  private int[] keys = new int[48];
  private int keyCount;
  private int start;

  PingScan(PingRules rules, long nowMillis) {
    this.rules = rules;
    this.nowMillis = nowMillis;
  }

  /** True when {@code body[start, start + size)} is a valid ping encoded as protobuf encodes it. */
  boolean validAsSent(byte[] body, int start, int size) {
    try {
      return scan(body, start, size);
    } catch (IOException e) {
      return false;
    }
  }

  private boolean scan(byte[] body, int start, int size) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(body, start, size);
    this.start = start;
    int seen = 0;
    int encoded = 0;
    int metrics = 0;
    int dimensions = 0;
    keyCount = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = tag >>> 3;
      if ((tag & 7) != LENGTH_DELIMITED || field < Ping.PING_ID_FIELD_NUMBER || field > Ping.PAYLOAD_FIELD_NUMBER) {
        return false;
      }
      int length = in.readRawVarint32();
      if (length <= 0 || length > in.getBytesUntilLimit()) {
        return false;
      }
      int offset = start + in.getTotalBytesRead();
      encoded += 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
      if (field == Ping.METRICS_FIELD_NUMBER) {
        if (++metrics > PingRules.MAX_METRICS || !metric(in, body, length, field)) {
          return false;
        }
        continue;
      }
      if (field == Ping.DIMENSIONS_FIELD_NUMBER) {
        if (++dimensions > PingRules.MAX_DIMENSIONS || !dimension(in, body, length, field)) {
          return false;
        }
        continue;
      }
      if ((seen & (1 << field)) != 0) {
        return false;
      }
      seen |= 1 << field;
      if (field == Ping.TIMESTAMP_FIELD_NUMBER) {
        if (!timestamp(in, length)) {
          return false;
        }
        continue;
      }
      in.skipRawBytes(length);
      int chars = textLength(body, offset, length);
      boolean valid = chars >= 0 && switch (field) {
        case Ping.PING_ID_FIELD_NUMBER -> chars <= PingRules.MAX_PING_ID;
        case Ping.INSTANCE_ID_FIELD_NUMBER -> chars <= PingRules.MAX_INSTANCE_ID;
        case Ping.EVENT_FIELD_NUMBER -> PingRules.isName(body, offset, length);
        case Ping.VERSION_FIELD_NUMBER -> chars <= PingRules.MAX_VERSION;
        case Ping.DEPLOY_TYPE_FIELD_NUMBER -> chars <= PingRules.MAX_DEPLOY_TYPE;
        default -> length <= PingRules.MAX_PAYLOAD_BYTES && body[offset] == '{'
            && JsonObjects.isObject(body, offset, length);
      };
      if (!valid) {
        return false;
      }
      if (field == Ping.PING_ID_FIELD_NUMBER) {
        pingIdOffset = offset;
        pingIdLength = length;
      } else if (field == Ping.INSTANCE_ID_FIELD_NUMBER) {
        instanceIdOffset = offset;
        instanceIdLength = length;
      }
    }
    int required = (1 << Ping.PING_ID_FIELD_NUMBER) | (1 << Ping.INSTANCE_ID_FIELD_NUMBER)
        | (1 << Ping.TIMESTAMP_FIELD_NUMBER) | (1 << Ping.EVENT_FIELD_NUMBER);
    return (seen & required) == required && encoded == size && distinctKeys(body);
  }

  /** A timestamp of {@code length} bytes (the stream before them): in range, each field once and not zero. */
  private boolean timestamp(CodedInputStream in, int length) throws IOException {
    int limit = in.pushLimit(length);
    long seconds = 0;
    int nanos = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == SECONDS_TAG) {
        seconds = in.readInt64();
      } else if (tag == NANOS_TAG) {
        nanos = in.readInt32();
      } else {
        return false;
      }
    }
    in.popLimit(limit);
    int encoded = (seconds == 0 ? 0 : 1 + CodedOutputStream.computeInt64SizeNoTag(seconds))
        + (nanos == 0 ? 0 : 1 + CodedOutputStream.computeInt32SizeNoTag(nanos));
    return encoded == length && rules.checkTime(seconds, nanos, nowMillis) == null;
  }

  /** A metrics entry of {@code length} bytes: a name and a finite value. */
  private boolean metric(CodedInputStream in, byte[] body, int length, int field) throws IOException {
    int limit = in.pushLimit(length);
    int keyLength = key(in, field);
    if (keyLength < 0 || !PingRules.isName(body, keys[3 * keyCount - 2], keyLength) || in.readTag() != DOUBLE_VALUE_TAG) {
      return false;
    }
    double value = in.readDouble();
    boolean end = in.readTag() == 0;
    in.popLimit(limit);
    return end && Double.isFinite(value) && length == 1 + CodedOutputStream.computeUInt32SizeNoTag(keyLength) + keyLength + 9;
  }

  /** A dimensions entry of {@code length} bytes: a key of 1-128 characters and a value of at most 256. */
  private boolean dimension(CodedInputStream in, byte[] body, int length, int field) throws IOException {
    int limit = in.pushLimit(length);
    int keyLength = key(in, field);
    int keyChars = keyLength < 0 ? -1 : textLength(body, keys[3 * keyCount - 2], keyLength);
    if (keyChars <= 0 || keyChars > PingRules.MAX_DIMENSION_KEY || in.readTag() != STRING_VALUE_TAG) {
      return false;
    }
    int valueLength = in.readRawVarint32();
    if (valueLength < 0 || valueLength > in.getBytesUntilLimit()) {
      return false;
    }
    int valueChars = textLength(body, start + in.getTotalBytesRead(), valueLength);
    in.skipRawBytes(valueLength);
    boolean end = in.readTag() == 0;
    in.popLimit(limit);
    return end && valueChars >= 0 && valueChars <= PingRules.MAX_DIMENSION_VALUE
        && length == 1 + CodedOutputStream.computeUInt32SizeNoTag(keyLength) + keyLength
            + 1 + CodedOutputStream.computeUInt32SizeNoTag(valueLength) + valueLength;
  }

  /** Reads a map entry's key, records it under {@code field}, and returns its length; -1 when the entry does not start with one. */
  private int key(CodedInputStream in, int field) throws IOException {
    if (in.readTag() != KEY_TAG) {
      return -1;
    }
    int length = in.readRawVarint32();
    if (length < 0 || length > in.getBytesUntilLimit()) {
      return -1;
    }
    if (3 * keyCount + 3 > keys.length) {
      keys = Arrays.copyOf(keys, 2 * keys.length);
    }
    keys[3 * keyCount] = field;
    keys[3 * keyCount + 1] = start + in.getTotalBytesRead();
    keys[3 * keyCount + 2] = length;
    keyCount++;
    in.skipRawBytes(length);
    return length;
  }

  /** True when no map holds the same key twice (parsing would keep the last; a handful of keys, compared pairwise). */
  private boolean distinctKeys(byte[] body) {
    for (int i = 0; i < keyCount; i++) {
      int from = keys[3 * i + 1];
      int to = from + keys[3 * i + 2];
      for (int j = i + 1; j < keyCount; j++) {
        int other = keys[3 * j + 1];
        if (keys[3 * i] == keys[3 * j] && Arrays.equals(body, from, to, body, other, other + keys[3 * j + 2])) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The length in UTF-16 characters (what {@code String.length()} counts) of the UTF-8 text {@code
   * bytes[offset, offset + length)}; -1 when it is not valid UTF-8 or holds a NUL, which parsing
   * judges.
   */
  static int textLength(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    // Eight bytes at a time while they are all ASCII and none is NUL: no byte has its high bit set,
    // and none is zero (the classic test: a zero byte is the only one for which b - 1 borrows into
    // a high bit that b itself lacks).
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      long word = (long) LONGS.get(bytes, i);
      if (((word | (word - 0x0101010101010101L)) & 0x8080808080808080L) != 0) {
        break;
      }
    }
    while (i < end && bytes[i] > 0) {
      i++;
    }
    if (i == end) {
      return length;
    }
    if (!UnsafeByteOperations.unsafeWrap(bytes, offset, length).isValidUtf8()) {
      return -1;
    }
    int chars = i - offset;
    for (; i < end; i++) {
      int b = bytes[i] & 0xFF;
      if (b == 0) {
        return -1;
      }
      // One character per byte that starts a sequence; a four-byte sequence is a surrogate pair.
      chars += b >= 0xF0 ? 2 : (b & 0xC0) == 0x80 ? 0 : 1;
    }
    return chars;
  }
}
