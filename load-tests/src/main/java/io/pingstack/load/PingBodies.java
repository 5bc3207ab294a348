package io.pingstack.load;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Writes {@code PingBatch} request bodies for one connection. Every ping gets a fresh id,
 * {@code <run>-<connection>-<sequence>}, so the server never sees a duplicate; the rest of the ping
 * is copied from {@link PingTemplates}, with the timestamp set to now. Confined to one thread.
 */
final class PingBodies {
  private static final byte TAG_PINGS = 1 << 3 | 2; // PingBatch.pings, length-delimited
  private static final byte TAG_PING_ID = 1 << 3 | 2; // Ping.ping_id, length-delimited
  private static final byte TAG_TIMESTAMP = 3 << 3 | 2; // Ping.timestamp, length-delimited

  private final PingTemplates templates;
  private final byte[] idPrefix;
  private final SplittableRandom random;
  private final byte[] digits = new byte[20];
  private byte[] scratch = new byte[0];
  private long sequence;
  private long timestampMillis = Long.MIN_VALUE;
  private byte[] timestampField;

  PingBodies(PingTemplates templates, String runId, int connection, long seed) {
    this.templates = templates;
    this.idPrefix = (runId + "-" + connection + "-").getBytes(StandardCharsets.US_ASCII);
    this.random = new SplittableRandom(seed * 31 + connection);
  }

  /** An upper bound of the bytes {@link #write} needs for {@code batch} pings. */
  int maxBodySize(int batch) {
    int ping = 5 + idPrefix.length + digits.length + templates.maxPieces() + 32;
    return batch * (ping + 5);
  }

  /** Appends a serialized {@code PingBatch} of {@code batch} new pings timestamped {@code nowMillis}. */
  void write(ByteBuf out, int batch, long nowMillis) {
    byte[] timestamp = timestampField(nowMillis);
    if (scratch.length < maxBodySize(batch)) {
      scratch = new byte[maxBodySize(batch)];
    }
    // Built in a heap array and copied into the buffer once: per-byte ByteBuf writes were the
    // generator's largest cost.
    byte[] b = scratch;
    int at = 0;
    for (int i = 0; i < batch; i++) {
      int digitCount = decimal(sequence++);
      int idLength = idPrefix.length + digitCount;
      byte[] instance = templates.instance(random.nextInt(templates.instanceCount()));
      byte[] event = templates.event(random.nextInt(PingTemplates.EVENT_VARIANTS));
      int pingLength = 1 + CodedOutputStream.computeUInt32SizeNoTag(idLength) + idLength
          + instance.length + timestamp.length + event.length;

      b[at++] = TAG_PINGS;
      at = writeVarint(b, at, pingLength);
      b[at++] = TAG_PING_ID;
      at = writeVarint(b, at, idLength);
      at = copy(idPrefix, b, at);
      System.arraycopy(digits, digits.length - digitCount, b, at, digitCount);
      at += digitCount;
      at = copy(instance, b, at);
      at = copy(timestamp, b, at);
      at = copy(event, b, at);
    }
    out.writeBytes(b, 0, at);
  }

  /** Field 3 of a ping (tag, length, Timestamp), re-encoded only when the millisecond changes. */
  private byte[] timestampField(long nowMillis) {
    if (nowMillis != timestampMillis) {
      Timestamp t = Timestamp.newBuilder()
          .setSeconds(Math.floorDiv(nowMillis, 1000L))
          .setNanos((int) Math.floorMod(nowMillis, 1000L) * 1_000_000)
          .build();
      byte[] value = t.toByteArray(); // at most 17 bytes, so its length is a one-byte varint
      timestampField = new byte[2 + value.length];
      timestampField[0] = TAG_TIMESTAMP;
      timestampField[1] = (byte) value.length;
      System.arraycopy(value, 0, timestampField, 2, value.length);
      timestampMillis = nowMillis;
    }
    return timestampField;
  }

  /** Renders {@code value} right-aligned into {@link #digits}; returns the number of digits. */
  private int decimal(long value) {
    int at = digits.length;
    do {
      digits[--at] = (byte) ('0' + value % 10);
      value /= 10;
    } while (value != 0);
    return digits.length - at;
  }

  private static int writeVarint(byte[] b, int at, int value) {
    while ((value & ~0x7F) != 0) {
      b[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    b[at++] = (byte) value;
    return at;
  }

  private static int copy(byte[] piece, byte[] b, int at) {
    System.arraycopy(piece, 0, b, at, piece.length);
    return at + piece.length;
  }
}
