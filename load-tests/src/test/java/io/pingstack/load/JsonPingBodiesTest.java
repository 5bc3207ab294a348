package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.JsonPings;
import io.pingstack.model.PingRules;
import io.pingstack.model.ProtoPings;
import io.pingstack.model.proto.Ping;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class JsonPingBodiesTest {
  private static final long NOW = 1_795_000_000_123L;
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  @Test
  void jsonBatchesCarryThePingsOfTheProtobufBodiesOfTheSameRun() throws Exception {
    PingTemplates templates = new PingTemplates(7, 50, EventMix.product());
    JsonPingTemplates json = new JsonPingTemplates(templates, null);
    for (int connection = 0; connection < 2; connection++) {
      PingBodies protobuf = new PingBodies(templates, null, "run1", connection, 7);
      JsonPingBodies bodies = new JsonPingBodies(json, false, false, "run1", connection, 7);
      for (int request = 0; request < 3; request++) {
        List<Ping> expected = decodeProtobuf(protobuf, 100, NOW + request);
        byte[] body = write(bodies, 100, NOW + request);

        assertThat(new String(body, StandardCharsets.UTF_8)).startsWith("{\"pings\":[{").endsWith("}]}");
        assertThat(decodeJson(body, NOW + request)).isEqualTo(expected);
      }
    }
  }

  @Test
  void ndjsonBodiesCarryOnePingPerLineInTheSameOrder() throws Exception {
    PingTemplates templates = new PingTemplates(3, 20, EventMix.features(50, 3));
    TimestampTable spread = new TimestampTable(NOW, Duration.ofDays(7), 3);
    PingBodies protobuf = new PingBodies(templates, spread, "run3", 5, 3);
    JsonPingBodies ndjson = new JsonPingBodies(new JsonPingTemplates(templates, spread), true, true, "run3", 5, 3);

    List<Ping> expected = decodeProtobuf(protobuf, 2000, NOW + 60_000);
    byte[] body = write(ndjson, 2000, NOW + 60_000);

    String[] lines = new String(body, StandardCharsets.UTF_8).split("\n", -1);
    assertThat(lines).hasSize(2001).endsWith("");
    assertThat(lines[0]).startsWith("{\"ping_id\":\"run3-5-0\"").endsWith("}");
    DecodedBatch decoded = JsonPings.decodeNdjson(body, 0, body.length, RULES, NOW + 60_000, 10_000);
    assertThat(decoded.rejected()).isEmpty();
    assertThat(decoded.valid()).isEqualTo(expected);
    assertThat(expected.stream().map(Ping::getTimestamp).distinct().count()).as("spread timestamps").isGreaterThan(1900);
  }

  @Test
  void timestampsAreRfc3339InUtcToTheMillisecond() {
    assertThat(new String(JsonPingTemplates.timestamp(NOW), StandardCharsets.US_ASCII))
        .isEqualTo(",\"timestamp\":\"2026-11-18T11:06:40.123Z\"");
    assertThat(new String(JsonPingTemplates.timestamp(1_795_000_000_000L), StandardCharsets.US_ASCII))
        .isEqualTo(",\"timestamp\":\"2026-11-18T11:06:40Z\"");
  }

  @Test
  void gzippedBodiesInflateToThePlainBodiesOfTheSameRun() throws Exception {
    PingTemplates templates = new PingTemplates(9, 10, EventMix.product());
    JsonPingTemplates json = new JsonPingTemplates(templates, null);
    // Two writers of the same run and connection write the same pings, request for request.
    BodyWriter plain = new JsonPingBodies(json, false, true, "run4", 0, 9);
    BodyWriter gzip = new GzipBodies(new JsonPingBodies(json, false, true, "run4", 0, 9));
    BodyWriter protobuf = new PingBodies(templates, null, "run4", 1, 9);
    BodyWriter gzipProtobuf = new GzipBodies(new PingBodies(templates, null, "run4", 1, 9));

    for (int request = 0; request < 3; request++) {
      byte[] expected = write(plain, 500, NOW + request);
      byte[] zipped = write(gzip, 500, NOW + request);

      assertThat(gunzip(zipped)).isEqualTo(expected);
      assertThat(zipped.length).isLessThan(expected.length / 3);
    }
    assertThat(gunzip(write(gzipProtobuf, 100, NOW))).isEqualTo(write(protobuf, 100, NOW));
  }

  private static List<Ping> decodeProtobuf(PingBodies bodies, int batch, long nowMillis) throws Exception {
    byte[] bytes = bodies.bytes(batch, nowMillis);
    DecodedBatch decoded = ProtoPings.decode(bytes, 0, bytes.length, RULES, nowMillis, 10_000);
    assertThat(decoded.rejected()).isEmpty();
    assertThat(decoded.valid()).hasSize(batch);
    return decoded.valid();
  }

  private static List<Ping> decodeJson(byte[] body, long nowMillis) throws Exception {
    DecodedBatch decoded = JsonPings.decodeJson(body, 0, body.length, RULES, nowMillis, 10_000);
    assertThat(decoded.rejected()).isEmpty();
    return decoded.valid();
  }

  private static byte[] write(BodyWriter writer, int batch, long nowMillis) {
    ByteBuf body = Unpooled.buffer();
    writer.write(body, batch, nowMillis);
    assertThat(body.readableBytes()).isLessThanOrEqualTo(writer.maxBodySize(batch));
    return ByteBufUtil.getBytes(body);
  }

  private static byte[] gunzip(byte[] zipped) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped))) {
      return in.readAllBytes();
    }
  }
}
