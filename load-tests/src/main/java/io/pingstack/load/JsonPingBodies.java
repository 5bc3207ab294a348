package io.pingstack.load;

import io.netty.buffer.ByteBuf;
import java.util.SplittableRandom;

/**
 * Writes {@code POST /v1/pings} bodies of JSON pings (API.md section 2) for one connection: either
 * {@code application/json}, {@code {"pings":[{…},{…}]}}, or {@code application/x-ndjson}, one ping
 * object per line. A ping is {@code {"ping_id":"<id>"} followed by the pieces of
 * {@link JsonPingTemplates}: instance, timestamp and event.
 *
 * <p>The pings are those {@link PingBodies} writes for the same templates, spread, run id,
 * connection and seed: the same ids, and the same instance, event and timestamp picks in the same
 * order. Confined to one thread.
 */
final class JsonPingBodies implements BodyWriter {
  private static final byte[] BATCH_START = Ascii.bytes("{\"pings\":[");
  private static final byte[] BATCH_END = Ascii.bytes("]}");
  private static final byte[] PING_ID = Ascii.bytes("{\"ping_id\":\"");

  private final JsonPingTemplates templates;
  private final boolean spread;
  private final boolean ndjson;
  private final byte[] idPrefix;
  private final SplittableRandom random;
  private byte[] scratch = new byte[0];
  private long sequence;
  /** What the ledger needs of the pings written; null when there is no ledger. */
  private SentPings sent;
  private long timestampMillis = Long.MIN_VALUE;
  private byte[] timestamp;

  /**
   * {@code spread} when {@code templates} hold spread timestamps to pick from, else every ping is
   * timestamped with the time its request is written; {@code ndjson} for one ping per line.
   */
  JsonPingBodies(JsonPingTemplates templates, boolean spread, boolean ndjson, String runId, int connection, long seed) {
    this.templates = templates;
    this.spread = spread;
    this.ndjson = ndjson;
    this.idPrefix = Ascii.bytes(runId + "-" + connection + "-");
    // Seeded as PingBodies seeds its picks: the same pings, in the same order.
    this.random = new SplittableRandom(seed * 31 + connection);
  }

  /** One instance per connection of {@code options}' run (format json or ndjson), sharing one run id and template set. */
  static JsonPingBodies[] perConnection(LoadOptions options) {
    TimestampTable spread = TimestampTable.forRun(options);
    JsonPingTemplates templates = new JsonPingTemplates(PingTemplates.forRun(options), spread);
    String runId = PingBodies.newRunId();
    JsonPingBodies[] bodies = new JsonPingBodies[options.connections()];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = new JsonPingBodies(templates, spread != null, options.format() == LoadOptions.Format.NDJSON, runId, i,
          options.seed());
    }
    return bodies;
  }

  @Override
  public SentPings recordSent() {
    if (sent == null) {
      sent = new SentPings(idPrefix);
    }
    return sent;
  }

  @Override
  public int maxBodySize(int batch) {
    int ping = PING_ID.length + idPrefix.length + Ascii.MAX_DIGITS + 1 + templates.maxPieces() + 2;
    return BATCH_START.length + batch * ping + BATCH_END.length;
  }

  @Override
  public void write(ByteBuf out, int batch, long nowMillis) {
    if (scratch.length < maxBodySize(batch)) {
      scratch = new byte[maxBodySize(batch)];
    }
    byte[] now = spread ? null : timestamp(nowMillis);
    // Built in a heap array and copied out once, as PingBodies does.
    byte[] b = scratch;
    int at = ndjson ? 0 : Ascii.copy(BATCH_START, b, 0);
    for (int i = 0; i < batch; i++) {
      long id = sequence++;
      int instanceIndex = random.nextInt(templates.instanceCount());
      if (sent != null) {
        sent.add(id, templates.instanceId(instanceIndex));
      }
      byte[] instance = templates.instance(instanceIndex);
      byte[] event = templates.event(random.nextInt(PingTemplates.EVENT_VARIANTS));
      byte[] time = now != null ? now : templates.spreadTimestamp(random.nextInt(TimestampTable.SIZE));

      if (i > 0 && !ndjson) {
        b[at++] = ',';
      }
      at = Ascii.copy(PING_ID, b, at);
      at = Ascii.copy(idPrefix, b, at);
      at = Ascii.decimal(id, b, at);
      b[at++] = '"';
      at = Ascii.copy(instance, b, at);
      at = Ascii.copy(time, b, at);
      at = Ascii.copy(event, b, at);
      b[at++] = '}';
      if (ndjson) {
        b[at++] = '\n';
      }
    }
    if (!ndjson) {
      at = Ascii.copy(BATCH_END, b, at);
    }
    out.writeBytes(b, 0, at);
  }

  /** The timestamp piece of {@code nowMillis}, rendered again only when the millisecond changes. */
  private byte[] timestamp(long nowMillis) {
    if (nowMillis != timestampMillis) {
      timestamp = JsonPingTemplates.timestamp(nowMillis);
      timestampMillis = nowMillis;
    }
    return timestamp;
  }
}
