package io.pingstack.load;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Writes request bodies of ClickHouse's own HTTP insert ({@code INSERT INTO <table> FORMAT
 * JSONEachRow}) for one connection: one JSON object per ping, a line each, whose keys are the columns
 * of Pingstack's {@code pings} table (18.16 rendering, see {@code PingTable} in columnar-engine):
 * {@code wal_position} 0, {@code received_at} the time the request is written and {@code timestamp}
 * the ping's time, both in microseconds, {@code ingest_node} "direct", the ping's fields, its metrics
 * and dimensions as parallel key and value arrays, and {@code payload} "".
 *
 * <p>The pings are those {@link PingBodies} writes for the same templates, spread, run id, connection
 * and seed: the same ids, and the same instance, event and timestamp picks in the same order. Confined
 * to one thread.
 */
final class JsonRowBodies {
  static final String INGEST_NODE = "direct";

  private static final byte[] ROW_START = ascii("{\"wal_position\":0,\"received_at\":");
  private static final byte[] PING_ID = ascii(",\"ingest_node\":\"" + INGEST_NODE + "\",\"ping_id\":\"");
  private static final byte[] TIMESTAMP = ascii(",\"timestamp\":");
  private static final byte[] ROW_END = ascii(",\"payload\":\"\"}\n");
  private static final int MAX_DIGITS = 20;

  private final JsonRowTemplates templates;
  private final TimestampTable spread;
  private final byte[] idPrefix;
  private final SplittableRandom random;
  private byte[] scratch = new byte[0];
  private long sequence;

  /** {@code spread} is null when every ping is timestamped with the time its request is written. */
  JsonRowBodies(JsonRowTemplates templates, TimestampTable spread, String runId, int connection, long seed) {
    this.templates = templates;
    this.spread = spread;
    this.idPrefix = ascii(runId + "-" + connection + "-");
    // Seeded as PingBodies seeds its picks: the same pings, in the same order.
    this.random = new SplittableRandom(seed * 31 + connection);
  }

  /** One instance per connection of {@code options}' run, all sharing one run id and one template set. */
  static JsonRowBodies[] perConnection(LoadOptions options) {
    JsonRowTemplates templates = new JsonRowTemplates(new PingTemplates(options.seed(), options.instances(), options.mix()));
    TimestampTable spread = options.timeSpread().isZero()
        ? null
        : new TimestampTable(System.currentTimeMillis(), options.timeSpread(), options.seed());
    String runId = PingBodies.newRunId();
    JsonRowBodies[] bodies = new JsonRowBodies[options.connections()];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = new JsonRowBodies(templates, spread, runId, i, options.seed());
    }
    return bodies;
  }

  /** An upper bound of the bytes {@link #write} needs for {@code batch} pings. */
  int maxBodySize(int batch) {
    int row = ROW_START.length + PING_ID.length + TIMESTAMP.length + ROW_END.length + idPrefix.length
        + 4 * MAX_DIGITS + templates.maxPieces();
    return batch * row;
  }

  /**
   * Appends {@code batch} rows of new pings, received at {@code nowMillis} and timestamped then, or
   * each at a random one of the spread timestamps.
   */
  void write(ByteBuf out, int batch, long nowMillis) {
    if (scratch.length < maxBodySize(batch)) {
      scratch = new byte[maxBodySize(batch)];
    }
    // Built in a heap array and copied out once, as PingBodies does.
    byte[] b = scratch;
    long nowMicros = nowMillis * 1000;
    int at = 0;
    for (int i = 0; i < batch; i++) {
      long id = sequence++;
      byte[] instance = templates.instance(random.nextInt(templates.instanceCount()));
      byte[] event = templates.event(random.nextInt(PingTemplates.EVENT_VARIANTS));
      long timestampMicros = spread == null ? nowMicros : spread.millis(random.nextInt(TimestampTable.SIZE)) * 1000;

      at = copy(ROW_START, b, at);
      at = decimal(nowMicros, b, at);
      at = copy(PING_ID, b, at);
      at = copy(idPrefix, b, at);
      at = decimal(id, b, at);
      b[at++] = '"';
      at = copy(instance, b, at);
      at = copy(TIMESTAMP, b, at);
      at = decimal(timestampMicros, b, at);
      at = copy(event, b, at);
      at = copy(ROW_END, b, at);
    }
    out.writeBytes(b, 0, at);
  }

  /** Writes {@code value} (not negative) in decimal at {@code at}; returns the index after it. */
  private static int decimal(long value, byte[] b, int at) {
    int digits = 1;
    for (long v = value / 10; v != 0; v /= 10) {
      digits++;
    }
    for (int i = at + digits - 1; i >= at; i--) {
      b[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    return at + digits;
  }

  private static int copy(byte[] piece, byte[] b, int at) {
    System.arraycopy(piece, 0, b, at, piece.length);
    return at + piece.length;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
