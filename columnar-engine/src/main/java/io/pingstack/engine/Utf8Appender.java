package io.pingstack.engine;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.VarCharVector;

/**
 * Writes one {@code VarCharVector}'s values in index order, as the decoder does: while the vector's
 * buffers have room, a value takes one read and two writes of its offsets and bytes and its validity
 * bit, through the buffers' own checked accessors; otherwise Arrow's {@code setSafe}, which grows
 * them. {@code setSafe} works out every capacity and offset again on each call, which was most of the
 * decoder's Arrow time. The vector is left exactly as {@code setSafe} would leave it: offsets, bytes,
 * validity and its last set index. One thread.
 */
final class Utf8Appender {
  private final VarCharVector vector;
  private ArrowBuf offsets;
  private ArrowBuf data;
  private ArrowBuf validity;
  /** The fast path takes indexes below this: their offset and validity bit fit. 0: take the slow one. */
  private int rowLimit;
  private long dataLimit;

  Utf8Appender(VarCharVector vector) {
    this.vector = vector;
  }

  /** Sets value {@code index} to {@code bytes[start, start + length)}. */
  void append(int index, byte[] bytes, int start, int length) {
    if (index < rowLimit && index == vector.getLastSet() + 1) {
      long from = offsets.getInt((long) index * VarCharVector.OFFSET_WIDTH);
      long to = from + length;
      if (to <= dataLimit) {
        offsets.setInt((long) (index + 1) * VarCharVector.OFFSET_WIDTH, (int) to);
        data.setBytes(from, bytes, start, length);
        BitVectorHelper.setBit(validity, index);
        vector.setLastSet(index);
        return;
      }
    }
    vector.setSafe(index, bytes, start, length);
    offsets = vector.getOffsetBuffer();
    data = vector.getDataBuffer();
    validity = vector.getValidityBuffer();
    rowLimit = vector.getValueCapacity();
    dataLimit = data.capacity();
  }

  /** The vector's buffers were replaced: the next value takes the slow path, which looks them up again. */
  void forget() {
    rowLimit = 0;
  }
}
