package io.pingstack.load;

import io.pingstack.model.proto.Ping;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The pieces of {@link PingTemplates} as pieces of the JSON ping objects of {@code POST /v1/pings}
 * (API.md section 2, {@code application/json} and {@code application/x-ndjson}), for
 * {@link JsonPingBodies}: instance {@code i} is {@code ,"instance_id":…,"version":…,"deploy_type":…},
 * event variant {@code i} is {@code ,"event":…,"metrics":{…},"dimensions":{…}}, and spread timestamp
 * {@code i} (when the run spreads its pings) is {@code ,"timestamp":"<RFC 3339>"}. Each is decoded
 * from the protobuf piece of the same index, so a JSON ping carries the same values as the protobuf
 * ping built from the same picks. Immutable; shared by every connection.
 */
final class JsonPingTemplates {
  /** 9999-12-31T23:59:59.999Z: the longest timestamp this writes (later years take a sign and more digits). */
  private static final long LAST_MILLI_OF_9999 = 253_402_300_799_999L;

  private final byte[][] instances;
  private final byte[][] instanceIds;
  private final byte[][] events;
  private final byte[][] spread;
  private final int maxPieces;

  /** {@code spread} is null when pings are timestamped with the time their request is written. */
  JsonPingTemplates(PingTemplates templates, TimestampTable spread) {
    instances = new byte[templates.instanceCount()][];
    instanceIds = new byte[templates.instanceCount()][];
    int maxInstance = 0;
    for (int i = 0; i < instances.length; i++) {
      Ping ping = JsonRowTemplates.parse(templates.instance(i));
      instances[i] = JsonRowTemplates.fields(json -> {
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
      Ping ping = JsonRowTemplates.parse(templates.event(i));
      events[i] = JsonRowTemplates.fields(json -> {
        json.writeStringField("event", ping.getEvent());
        json.writeObjectFieldStart("metrics");
        for (Map.Entry<String, Double> m : ping.getMetricsMap().entrySet()) {
          json.writeNumberField(m.getKey(), m.getValue());
        }
        json.writeEndObject();
        json.writeObjectFieldStart("dimensions");
        for (Map.Entry<String, String> d : ping.getDimensionsMap().entrySet()) {
          json.writeStringField(d.getKey(), d.getValue());
        }
        json.writeEndObject();
      });
      maxEvent = Math.max(maxEvent, events[i].length);
    }
    this.spread = spread == null ? null : new byte[TimestampTable.SIZE][];
    for (int i = 0; spread != null && i < TimestampTable.SIZE; i++) {
      this.spread[i] = timestamp(spread.millis(i));
    }
    maxPieces = maxInstance + maxEvent + timestamp(LAST_MILLI_OF_9999).length;
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

  /** The timestamp field of spread timestamp {@code i}, with a leading comma. Callers must not modify the array. */
  byte[] spreadTimestamp(int i) {
    return spread[i];
  }

  /** The largest instance, event and timestamp pieces together, for sizing buffers. */
  int maxPieces() {
    return maxPieces;
  }

  /** {@code ,"timestamp":"2026-11-21T10:00:00.123Z"}: RFC 3339 in UTC, to the millisecond as the protobuf pings are. */
  static byte[] timestamp(long millis) {
    return Ascii.bytes(",\"timestamp\":\"" + DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(millis)) + "\"");
  }
}
