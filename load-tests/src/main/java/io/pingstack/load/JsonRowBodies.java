package io.pingstack.load;

import io.netty.buffer.ByteBuf;
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
final class JsonRowBodies implements BodyWriter {
  static final String INGEST_NODE = "direct";

  private static final byte[] ROW_START = Ascii.bytes("{\"wal_position\":0,\"received_at\":");
  private static final byte[] PING_ID = Ascii.bytes(",\"ingest_node\":\"" + INGEST_NODE + "\",\"ping_id\":\"");
  private static final byte[] TIMESTAMP = Ascii.bytes(",\"timestamp\":");
  private static final byte[] ROW_END = Ascii.bytes(",\"payload\":\"\"}\n");

  private final JsonRowTemplates templates;
  private final TimestampTable spread;
  private final byte[] idPrefix;
  private final SplittableRandom random;
  private byte[] scratch = new byte[0];
  private long sequence;
  /** What the ledger needs of the pings written; null when there is no ledger. */
  private SentPings sent;

  /** {@code spread} is null when every ping is timestamped with the time its request is written. */
  JsonRowBodies(JsonRowTemplates templates, TimestampTable spread, String runId, int connection, long seed) {
    this.templates = templates;
    this.spread = spread;
    this.idPrefix = Ascii.bytes(runId + "-" + connection + "-");
    // Seeded as PingBodies seeds its picks: the same pings, in the same order.
    this.random = new SplittableRandom(seed * 31 + connection);
  }

  /** One instance per connection of {@code options}' run, all sharing one run id and one template set. */
  static JsonRowBodies[] perConnection(LoadOptions options) {
    JsonRowTemplates templates = new JsonRowTemplates(PingTemplates.forRun(options));
    TimestampTable spread = TimestampTable.forRun(options);
    String runId = PingBodies.newRunId();
    JsonRowBodies[] bodies = new JsonRowBodies[options.connections()];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = new JsonRowBodies(templates, spread, runId, i, options.seed());
    }
    return bodies;
  }

  /** An upper bound of the bytes {@link #write} needs for {@code batch} pings. */
  @Override
  public SentPings recordSent() {
    if (sent == null) {
      sent = new SentPings(idPrefix);
    }
    return sent;
  }

  @Override
  public int maxBodySize(int batch) {
    int row = ROW_START.length + PING_ID.length + TIMESTAMP.length + ROW_END.length + idPrefix.length
        + 4 * Ascii.MAX_DIGITS + templates.maxPieces();
    return batch * row;
  }

  /**
   * Appends {@code batch} rows of new pings, received at {@code nowMillis} and timestamped then, or
   * each at a random one of the spread timestamps.
   */
  @Override
  public void write(ByteBuf out, int batch, long nowMillis) {
    if (scratch.length < maxBodySize(batch)) {
      scratch = new byte[maxBodySize(batch)];
    }
    // Built in a heap array and copied out once, as PingBodies does.
    byte[] b = scratch;
    long nowMicros = nowMillis * 1000;
    int at = 0;
    for (int i = 0; i < batch; i++) {
      long id = sequence++;
      int instanceIndex = random.nextInt(templates.instanceCount());
      if (sent != null) {
        sent.add(id, templates.instanceId(instanceIndex));
      }
      byte[] instance = templates.instance(instanceIndex);
      byte[] event = templates.event(random.nextInt(PingTemplates.EVENT_VARIANTS));
      long timestampMicros = spread == null ? nowMicros : spread.millis(random.nextInt(TimestampTable.SIZE)) * 1000;

      at = Ascii.copy(ROW_START, b, at);
      at = Ascii.decimal(nowMicros, b, at);
      at = Ascii.copy(PING_ID, b, at);
      at = Ascii.copy(idPrefix, b, at);
      at = Ascii.decimal(id, b, at);
      b[at++] = '"';
      at = Ascii.copy(instance, b, at);
      at = Ascii.copy(TIMESTAMP, b, at);
      at = Ascii.decimal(timestampMicros, b, at);
      at = Ascii.copy(event, b, at);
      at = Ascii.copy(ROW_END, b, at);
    }
    out.writeBytes(b, 0, at);
  }
}
