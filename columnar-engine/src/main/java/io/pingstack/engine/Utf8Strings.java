package io.pingstack.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.arrow.memory.ArrowBuf;
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
  static final int SLOTS = 4096;
  static final int MAX_CACHED = 128;

  private final byte[][] keys = new byte[SLOTS][];
  private final String[] values = new String[SLOTS];
  private final byte[] scratch = new byte[MAX_CACHED];

  /** The string at {@code index} of {@code vector} (which must not be null there). */
  String get(VarCharVector vector, int index) {
    byte[] bytes = scratch;
    int length = copy(vector, index, bytes, 0);
    if (length < 0) {
      return new String(vector.get(index), StandardCharsets.UTF_8);
    }
    if (length == 0) {
      return "";
    }
    int hash = 0;
    for (int i = 0; i < length; i++) {
      hash = 31 * hash + bytes[i];
    }
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    byte[] key = keys[slot];
    if (key != null && Arrays.equals(key, 0, key.length, bytes, 0, length)) {
      return values[slot];
    }
    String value = new String(bytes, 0, length, StandardCharsets.UTF_8);
    keys[slot] = Arrays.copyOf(bytes, length);
    values[slot] = value;
    return value;
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
