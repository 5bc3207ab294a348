package io.pingstack.load;

import com.google.protobuf.CodedOutputStream;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Writes {@code PingBatch} request bodies for one connection. Every ping gets a fresh id,
 * {@code <run>-<connection>-<sequence>}, so the server never sees a duplicate; the rest of the ping
 * is copied from {@link PingTemplates}, with the timestamp set to now, or picked from a
 * {@link TimestampTable} when the run spreads its pings over the past. Confined to one thread.
 */
final class PingBodies implements BodyWriter {
  private static final byte TAG_PINGS = 1 << 3 | 2; // PingBatch.pings, length-delimited
  private static final byte TAG_PING_ID = 1 << 3 | 2; // Ping.ping_id, length-delimited

  private final PingTemplates templates;
  private final TimestampTable spread;
  private final byte[] idPrefix;
  private final SplittableRandom random;
  private final byte[] digits = new byte[20];
  private byte[] scratch = new byte[0];
  private long sequence;
  private long timestampMillis = Long.MIN_VALUE;
  private byte[] timestampField;
  /** What the ledger needs of the pings written; null when there is no ledger. */
  private SentPings sent;

  /** {@code spread} is null when every ping is timestamped with the time its request is written. */
  PingBodies(PingTemplates templates, TimestampTable spread, String runId, int connection, long seed) {
    this.templates = templates;
    this.spread = spread;
    this.idPrefix = (runId + "-" + connection + "-").getBytes(StandardCharsets.US_ASCII);
    this.random = new SplittableRandom(seed * 31 + connection);
  }

  @Override
  public SentPings recordSent() {
    if (sent == null) {
      sent = new SentPings(idPrefix);
    }
    return sent;
  }

  /** An upper bound of the bytes {@link #write} needs for {@code batch} pings. */
  @Override
  public int maxBodySize(int batch) {
    int ping = 5 + idPrefix.length + digits.length + templates.maxPieces() + 32;
    return batch * (ping + 5);
  }

  /** One instance per connection of {@code options}' run, all sharing one run id and one template set. */
  static PingBodies[] perConnection(LoadOptions options) {
    PingTemplates templates = PingTemplates.forRun(options);
    TimestampTable spread = TimestampTable.forRun(options);
    String runId = newRunId();
    PingBodies[] bodies = new PingBodies[options.connections()];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = new PingBodies(templates, spread, runId, i, options.seed());
    }
    return bodies;
  }

  /** A random run id: repeated runs against one server never send the same ping id. */
  static String newRunId() {
    return HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
  }

  /**
   * Appends a serialized {@code PingBatch} of {@code batch} new pings timestamped {@code nowMillis},
   * or each at a random one of the spread timestamps.
   */
  @Override
  public void write(ByteBuf out, int batch, long nowMillis) {
    int size = fill(batch, nowMillis); // first: it may replace scratch
    out.writeBytes(scratch, 0, size);
  }

  /** The same as {@link #write}, as a new array of exactly the batch's size, which the caller owns. */
  byte[] bytes(int batch, long nowMillis) {
    int size = fill(batch, nowMillis); // first: it may replace scratch
    return Arrays.copyOf(scratch, size);
  }

  /** Writes the batch into {@link #scratch}; returns its size. */
  private int fill(int batch, long nowMillis) {
    byte[] now = spread == null ? timestampField(nowMillis) : null;
    if (scratch.length < maxBodySize(batch)) {
      scratch = new byte[maxBodySize(batch)];
    }
    // Built in a heap array and copied out once: per-byte ByteBuf writes were the generator's
    // largest cost.
    byte[] b = scratch;
    int at = 0;
    for (int i = 0; i < batch; i++) {
      int instanceIndex = random.nextInt(templates.instanceCount());
      if (sent != null) {
        sent.add(sequence, templates.instanceId(instanceIndex));
      }
      int digitCount = decimal(sequence++);
      int idLength = idPrefix.length + digitCount;
      byte[] instance = templates.instance(instanceIndex);
      byte[] event = templates.event(random.nextInt(PingTemplates.EVENT_VARIANTS));
      byte[] timestamp = now != null ? now : spread.field(random.nextInt(TimestampTable.SIZE));
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
    return at;
  }

  /** Field 3 of a ping (tag, length, Timestamp), re-encoded only when the millisecond changes. */
  private byte[] timestampField(long nowMillis) {
    if (nowMillis != timestampMillis) {
      timestampField = TimestampTable.encode(nowMillis);
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
