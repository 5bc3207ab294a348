package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.PingRules;
import io.pingstack.model.ProtoPings;
import io.pingstack.model.proto.Ping;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRowBodiesTest {
  private static final long NOW = 1_795_000_000_123L;
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The columns of columnar-engine's PingTable (no declared dimension or metric columns). */
  private static final List<String> PINGS_COLUMNS = List.of("wal_position", "received_at", "ingest_node", "ping_id",
      "instance_id", "timestamp", "event", "version", "deploy_type", "metric_keys", "metric_values", "dimension_keys",
      "dimension_values", "payload");

  @Test
  void rowsAreThePingsTheProtobufBodiesOfTheSameRunCarry() throws Exception {
    PingTemplates templates = new PingTemplates(7, 50, EventMix.product());
    JsonRowTemplates json = new JsonRowTemplates(templates);
    for (int connection = 0; connection < 2; connection++) {
      PingBodies protobuf = new PingBodies(templates, null, "run1", connection, 7);
      JsonRowBodies rows = new JsonRowBodies(json, null, "run1", connection, 7);
      for (int request = 0; request < 3; request++) {
        assertSamePings(decodeProtobuf(protobuf, 100, NOW + request), decodeRows(rows, 100, NOW + request));
      }
    }
  }

  @Test
  void spreadRowsPickTheSameTimestampsAsTheProtobufBodies() throws Exception {
    PingTemplates templates = new PingTemplates(3, 20, EventMix.features(50, 3));
    TimestampTable spread = new TimestampTable(NOW, Duration.ofDays(7), 3);
    PingBodies protobuf = new PingBodies(templates, spread, "run3", 5, 3);
    JsonRowBodies rows = new JsonRowBodies(new JsonRowTemplates(templates), spread, "run3", 5, 3);

    List<Ping> pings = decodeProtobuf(protobuf, 2000, NOW + 60_000);
    List<JsonNode> decoded = decodeRows(rows, 2000, NOW + 60_000);

    assertSamePings(pings, decoded);
    assertThat(decoded.stream().map(r -> r.get("timestamp").asLong()).distinct().count()).isGreaterThan(1900);
    assertThat(decoded).allSatisfy(r -> assertThat(r.get("received_at").asLong()).isEqualTo((NOW + 60_000) * 1000));
  }

  @Test
  void everyRowIsOneLineWithExactlyTheColumnsOfThePingsTable() throws Exception {
    JsonRowBodies rows = new JsonRowBodies(new JsonRowTemplates(new PingTemplates(1, 10, EventMix.product())), null,
        "run2", 3, 1);
    ByteBuf body = Unpooled.buffer();
    rows.write(body, 250, NOW);
    assertThat(body.readableBytes()).isLessThanOrEqualTo(rows.maxBodySize(250));

    String text = body.toString(StandardCharsets.UTF_8);
    assertThat(text).endsWith("}\n");
    String[] lines = text.split("\n");
    assertThat(lines).hasSize(250);
    JsonNode first = MAPPER.readTree(lines[0]);
    List<String> keys = new ArrayList<>();
    first.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).as("JSONEachRow matches keys to columns by name").containsExactlyInAnyOrderElementsOf(PINGS_COLUMNS);
    assertThat(first.get("wal_position").isIntegralNumber()).isTrue();
    assertThat(first.get("wal_position").asLong()).isZero();
    assertThat(first.get("received_at").asLong()).isEqualTo(NOW * 1000);
    assertThat(first.get("timestamp").asLong()).as("microseconds, as the 18.16 table stores them").isEqualTo(NOW * 1000);
    assertThat(first.get("ingest_node").asText()).isEqualTo("direct");
    assertThat(first.get("ping_id").asText()).isEqualTo("run2-3-0");
    assertThat(first.get("payload").asText()).isEmpty();
    assertThat(MAPPER.readTree(lines[249]).get("ping_id").asText()).isEqualTo("run2-3-249");
    for (String line : lines) {
      JsonNode row = MAPPER.readTree(line);
      assertThat(row.get("metric_values")).allSatisfy(v -> assertThat(v.isNumber()).isTrue());
      assertThat(row.get("metric_keys").size()).isEqualTo(row.get("metric_values").size()).isBetween(2, 3);
      assertThat(row.get("dimension_keys").size()).isEqualTo(row.get("dimension_values").size()).isBetween(1, 2);
    }
  }

  private static List<Ping> decodeProtobuf(PingBodies bodies, int batch, long nowMillis) throws Exception {
    byte[] bytes = bodies.bytes(batch, nowMillis);
    DecodedBatch decoded = ProtoPings.decode(bytes, 0, bytes.length, RULES, nowMillis, 10_000);
    assertThat(decoded.rejected()).isEmpty();
    return decoded.valid();
  }

  private static List<JsonNode> decodeRows(JsonRowBodies rows, int batch, long nowMillis) throws Exception {
    ByteBuf body = Unpooled.buffer();
    rows.write(body, batch, nowMillis);
    List<JsonNode> decoded = new ArrayList<>();
    for (String line : new String(ByteBufUtil.getBytes(body), StandardCharsets.UTF_8).split("\n")) {
      decoded.add(MAPPER.readTree(line));
    }
    return decoded;
  }

  private static void assertSamePings(List<Ping> pings, List<JsonNode> rows) {
    assertThat(rows).hasSameSizeAs(pings);
    for (int i = 0; i < pings.size(); i++) {
      Ping ping = pings.get(i);
      JsonNode row = rows.get(i);
      assertThat(row.get("ping_id").asText()).isEqualTo(ping.getPingId());
      assertThat(row.get("instance_id").asText()).isEqualTo(ping.getInstanceId());
      assertThat(row.get("version").asText()).isEqualTo(ping.getVersion());
      assertThat(row.get("deploy_type").asText()).isEqualTo(ping.getDeployType());
      assertThat(row.get("event").asText()).isEqualTo(ping.getEvent());
      assertThat(row.get("timestamp").asLong())
          .isEqualTo(ping.getTimestamp().getSeconds() * 1_000_000 + ping.getTimestamp().getNanos() / 1000);
      assertThat(pairs(row, "metric_keys", "metric_values")).isEqualTo(new LinkedHashMap<>(ping.getMetricsMap()));
      assertThat(pairs(row, "dimension_keys", "dimension_values")).isEqualTo(new LinkedHashMap<>(ping.getDimensionsMap()));
    }
  }

  /** The row's parallel key and value arrays as a map (doubles or strings, as the values are). */
  private static Map<String, Object> pairs(JsonNode row, String keys, String values) {
    Map<String, Object> map = new LinkedHashMap<>();
    Iterator<JsonNode> v = row.get(values).elements();
    for (JsonNode key : row.get(keys)) {
      JsonNode value = v.next();
      map.put(key.asText(), value.isNumber() ? (Object) value.asDouble() : value.asText());
    }
    assertThat(v.hasNext()).as(keys + " and " + values + " have the same length").isFalse();
    return map;
  }
}
