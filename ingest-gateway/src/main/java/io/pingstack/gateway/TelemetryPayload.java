package io.pingstack.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.pingstack.gateway.telemetry.Event;
import io.pingstack.gateway.telemetry.Identifier;
import io.pingstack.gateway.telemetry.RecordEventsRequestMetadata;
import io.pingstack.model.PingRules;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The payload of a ping mapped from a Sourcegraph telemetry event: the JSON the real gateway
 * publishes for it, {@code {"metadata": <protojson>, "event": <protojson>}} (Sourcegraph's
 * lowerCamelCase names, int64 as strings, RFC 3339 times), without the license key, plus:
 *
 * <ul>
 *   <li>{@code event_proto_base64}: the event's binary encoding, when it or a message inside it has
 *       fields this build does not know (protojson drops them; Sourcegraph adds fields before they
 *       are public) or when protojson cannot render it;
 *   <li>{@code pingstack_metrics_dropped}: the metadata keys left out of the ping's metrics.
 * </ul>
 *
 * <p>A payload over {@link PingRules#MAX_PAYLOAD_BYTES} becomes
 * {@code {"pingstack_payload_dropped_bytes": <its UTF-8 size>}}: the ping is still stored and the
 * event acknowledged, as the real gateway acknowledges events too large to publish.
 */
final class TelemetryPayload {
  private static final JsonFactory JSON = new JsonFactory();
  private static final JsonFormat.Printer PROTOJSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private TelemetryPayload() {}

  /** The stream's metadata as protojson, for {@link #of}; the license key is left out. */
  static String metadataJson(RecordEventsRequestMetadata metadata) {
    RecordEventsRequestMetadata.Builder kept = metadata.toBuilder();
    if (metadata.getIdentifier().hasLicensedInstance()) {
      Identifier.Builder identifier = kept.getIdentifierBuilder();
      identifier.setLicensedInstance(identifier.getLicensedInstance().toBuilder().clearLicenseKey());
    }
    try {
      return PROTOJSON.print(kept);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("telemetry metadata holds no type protojson cannot print", e);
    }
  }

  static String of(Event event, String metadataJson, List<String> droppedMetrics) {
    String eventJson = protojson(event);
    ByteArrayOutputStream out = new ByteArrayOutputStream(512 + (eventJson == null ? 0 : eventJson.length()));
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeFieldName("metadata");
      g.writeRawValue(metadataJson);
      if (eventJson != null) {
        g.writeFieldName("event");
        g.writeRawValue(eventJson);
      }
      if (eventJson == null || hasUnknownFields(event)) {
        g.writeStringField("event_proto_base64", Base64.getEncoder().encodeToString(event.toByteArray()));
      }
      if (!droppedMetrics.isEmpty()) {
        g.writeArrayFieldStart("pingstack_metrics_dropped");
        for (String key : droppedMetrics) {
          g.writeString(key);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (out.size() > PingRules.MAX_PAYLOAD_BYTES) {
      return "{\"pingstack_payload_dropped_bytes\":" + out.size() + "}";
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The event as protojson, or null when it holds a value protojson refuses (a timestamp out of range). */
  private static String protojson(Event event) {
    try {
      return PROTOJSON.print(event);
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      return null;
    }
  }

  /** True when {@code message} or any message inside it carries fields its schema does not declare. */
  static boolean hasUnknownFields(Message message) {
    if (message.getUnknownFields().getSerializedSize() > 0) {
      return true;
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (field.getKey().isRepeated()) {
        for (Object element : (List<?>) field.getValue()) {
          if (hasUnknownFields((Message) element)) {
            return true;
          }
        }
      } else if (hasUnknownFields((Message) field.getValue())) {
        return true;
      }
    }
    return false;
  }
}
