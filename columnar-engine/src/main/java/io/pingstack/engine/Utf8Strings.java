package io.pingstack.engine;

import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.ByteFunctionHelpers;
import org.apache.arrow.memory.util.hash.SimpleHasher;
import org.apache.arrow.vector.VarCharVector;

/**
 * Reads the strings of {@code VarCharVector}s, handing out the same {@code String} for the same
 * bytes while they stay in a small direct-mapped table: event names, versions, deploy types,
 * metric and dimension keys and instance ids repeat from row to row, and a sink that reads them
 * (the rollups read eight per row) then neither decodes nor allocates, and its hash maps find the
 * string's hash already computed. A value longer than {@value #MAX_CACHED} bytes, or one that
 * collides with another in its slot, is simply decoded again. Memory: at most {@value #SLOTS} entries
 * of at most {@value #MAX_CACHED} bytes. Not thread-safe.
 */
final class Utf8Strings {
  private static final int SLOT_BITS = 12;
  static final int SLOTS = 1 << SLOT_BITS;
  static final int MAX_CACHED = 128;

  private final byte[][] keys = new byte[SLOTS][];
  private final String[] values = new String[SLOTS];

  /** The string at {@code index} of {@code vector} (which must not be null there). */
  String get(VarCharVector vector, int index) {
    ArrowBuf offsets = vector.getOffsetBuffer();
    int start = offsets.getInt((long) index * VarCharVector.OFFSET_WIDTH);
    int end = offsets.getInt((long) (index + 1) * VarCharVector.OFFSET_WIDTH);
    int length = end - start;
    if (length == 0) {
      return "";
    }
    ArrowBuf data = vector.getDataBuffer();
    if (length > MAX_CACHED) {
      return new String(bytes(data, start, length), StandardCharsets.UTF_8);
    }
    // Arrow's hash and compare read the buffer eight bytes at a time, where it lies: no copy on a hit.
    int slot = (SimpleHasher.INSTANCE.hashCode(data, start, length) * 0x9E3779B9) >>> (Integer.SIZE - SLOT_BITS);
    byte[] key = keys[slot];
    if (key != null && ByteFunctionHelpers.compare(data, start, end, key, 0, key.length) == 0) {
      return values[slot];
    }
    key = bytes(data, start, length);
    String value = new String(key, StandardCharsets.UTF_8);
    keys[slot] = key;
    values[slot] = value;
    return value;
  }

  private static byte[] bytes(ArrowBuf data, int start, int length) {
    byte[] bytes = new byte[length];
    data.getBytes(start, bytes, 0, length);
    return bytes;
  }

  /**
   * Copies the UTF-8 bytes at {@code index} of {@code vector} (which must not be null there) into
   * {@code into} from {@code at}; returns how many, or -1, having copied nothing, when they do not fit.
   */
  static int copy(VarCharVector vector, int index, byte[] into, int at) {
    ArrowBuf offsets = vector.getOffsetBuffer();
    long start = offsets.getInt((long) index * VarCharVector.OFFSET_WIDTH);
    int length = offsets.getInt((long) (index + 1) * VarCharVector.OFFSET_WIDTH) - (int) start;
    if (length > into.length - at) {
      return -1;
    }
    vector.getDataBuffer().getBytes(start, into, at, length);
    return length;
  }

  /** How many UTF-8 bytes are at {@code index} of {@code vector}. */
  static int length(VarCharVector vector, int index) {
    ArrowBuf offsets = vector.getOffsetBuffer();
    return offsets.getInt((long) (index + 1) * VarCharVector.OFFSET_WIDTH) - offsets.getInt((long) index * VarCharVector.OFFSET_WIDTH);
  }
}
