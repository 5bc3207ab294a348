package io.pingstack.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import io.pingstack.model.proto.Ping;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;

/**
 * The pieces of {@link PingTemplates} as pieces of a JSON object, for writing pings as rows of
 * Pingstack's ClickHouse {@code pings} table ({@link JsonRowBodies}): instance {@code i} is
 * {@code ,"instance_id":…,"version":…,"deploy_type":…} and event variant {@code i} is
 * {@code ,"event":…,"metric_keys":[…],"metric_values":[…],"dimension_keys":[…],"dimension_values":[…]}.
 * Each is decoded from the protobuf piece of the same index, so a row carries the same values as the
 * protobuf ping built from the same picks. Immutable; shared by every connection.
 */
final class JsonRowTemplates {
  private static final JsonFactory JSON = new JsonFactory();

  private final byte[][] instances;
  private final byte[][] instanceIds;
  private final byte[][] events;
  private final int maxPieces;

  JsonRowTemplates(PingTemplates templates) {
    instances = new byte[templates.instanceCount()][];
    instanceIds = new byte[templates.instanceCount()][];
    int maxInstance = 0;
    for (int i = 0; i < instances.length; i++) {
      Ping ping = parse(templates.instance(i));
      instances[i] = fields(json -> {
        json.writeStringField("instance_id", ping.getInstanceId());
        json.writeStringField("version", ping.getVersion());
        json.writeStringField("deploy_type", ping.getDeployType());
      });
      instanceIds[i] = templates.instanceId(i);
      maxInstance = Math.max(maxInstance, instances[i].length);
    }
    events = new byte[PingTemplates.EVENT_VARIANTS][];
    int maxEvent = 0;
    for (int i = 0; i < events.length; i++) {
      Ping ping = parse(templates.event(i));
      events[i] = fields(json -> {
        json.writeStringField("event", ping.getEvent());
        json.writeArrayFieldStart("metric_keys");
        for (String key : ping.getMetricsMap().keySet()) {
          json.writeString(key);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("metric_values");
        for (double value : ping.getMetricsMap().values()) {
          json.writeNumber(value);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("dimension_keys");
        for (String key : ping.getDimensionsMap().keySet()) {
          json.writeString(key);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("dimension_values");
        for (Map.Entry<String, String> d : ping.getDimensionsMap().entrySet()) {
          json.writeString(d.getValue());
        }
        json.writeEndArray();
      });
      maxEvent = Math.max(maxEvent, events[i].length);
    }
    maxPieces = maxInstance + maxEvent;
  }

  int instanceCount() {
    return instances.length;
  }

  /** The JSON fields of instance {@code i}, with a leading comma. Callers must not modify the array. */
  byte[] instance(int i) {
    return instances[i];
  }

  /** The id of instance {@code i}, in ASCII. Callers must not modify the array. */
  byte[] instanceId(int i) {
    return instanceIds[i];
  }

  /** The JSON fields of event variant {@code i}, with a leading comma. Callers must not modify the array. */
  byte[] event(int i) {
    return events[i];
  }

  /** The largest instance piece plus the largest event piece, for sizing buffers. */
  int maxPieces() {
    return maxPieces;
  }

  /** The fields {@code fields} writes, as {@code ,"a":…,"b":…}: an object without its braces, after a comma. */
  static byte[] fields(Reports.Fields fields) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      fields.write(json);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] object = bytes.toByteArray(); // {"a":…,"b":…}
    byte[] piece = Arrays.copyOf(object, object.length - 1);
    piece[0] = ',';
    return piece;
  }

  /** A pre-encoded piece of {@link PingTemplates} as the fields of a {@code Ping}. */
  static Ping parse(byte[] piece) {
    try {
      return Ping.parseFrom(piece);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a ping template does not parse as a Ping", e);
    }
  }
}
