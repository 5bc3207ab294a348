package io.pingstack.gateway;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.pingstack.gateway.telemetry.Event;
import io.pingstack.gateway.telemetry.EventSource;
import io.pingstack.gateway.telemetry.Identifier;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.gateway.telemetry.RecordEventsRequestMetadata;
import io.pingstack.model.proto.Ping;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;

/**
 * Requests and events of the Sourcegraph telemetry protocol for tests: the shared fixtures (copied
 * into test resources; their 2024 timestamps moved to now) and small builders.
 */
final class TelemetryEventsFixture {
  static final String LICENSE_KEY = "EXAMPLE-NOT-A-REAL-LICENSE-KEY";
  static final String INSTANCE_ID = "7f3c2a0e-5b1d-4d8e-9c39-2e4f6a1b8d05";
  static final String REQUEST_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CODY_EVENT_ID = "018e3f4a-6c1b-7d2e-9a44-3b5f0c9d1e27";
  static final String SEARCH_EVENT_ID = "018e3f4a-6c1c-7a10-8b2d-4e6f1a0b2c3d";

  private TelemetryEventsFixture() {}

  /** Fixture 01: metadata of a licensed instance. */
  static RecordEventsRequest metadataFixture() {
    return parse("01-record-events-request-metadata.json", RecordEventsRequest.newBuilder()).build();
  }

  /** Fixture 02: two events (a cody chat submit and a search submit), timestamped a few seconds ago. */
  static RecordEventsRequest eventsFixture() {
    RecordEventsRequest.Builder request = parse("02-record-events-request-events.json", RecordEventsRequest.newBuilder());
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<Event.Builder> events = request.getEventsBuilder().getEventsBuilderList();
    for (int i = 0; i < events.size(); i++) {
      events.get(i).setTimestamp(timestamp(now.minusSeconds(10L - i)));
    }
    return request.build();
  }

  static <B extends Message.Builder> B parse(String fixture, B builder) {
    try (InputStream in = TelemetryEventsFixture.class.getResourceAsStream("/telemetry-gateway/" + fixture)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource telemetry-gateway/" + fixture);
      }
      JsonFormat.parser().merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), builder);
      return builder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RecordEventsRequest metadata(Identifier identifier) {
    return RecordEventsRequest.newBuilder()
        .setMetadata(RecordEventsRequestMetadata.newBuilder().setRequestId("req-1").setIdentifier(identifier))
        .build();
  }

  static Identifier unlicensed(String instanceId) {
    return Identifier.newBuilder()
        .setUnlicensedInstance(Identifier.UnlicensedInstanceIdentifier.newBuilder().setInstanceId(instanceId))
        .build();
  }

  static Identifier licensed(String licenseKey, String instanceId) {
    return Identifier.newBuilder()
        .setLicensedInstance(Identifier.LicensedInstanceIdentifier.newBuilder()
            .setLicenseKey(licenseKey)
            .setInstanceId(instanceId))
        .build();
  }

  static RecordEventsRequest events(Event... events) {
    RecordEventsRequest.Builder request = RecordEventsRequest.newBuilder();
    request.getEventsBuilder().addAllEvents(List.of(events));
    return request.build();
  }

  /** A valid {@code search.submit} event from server 5.3.3, timestamped now. */
  static Event.Builder event(String id) {
    return Event.newBuilder()
        .setId(id)
        .setTimestamp(timestamp(Instant.now().truncatedTo(ChronoUnit.MILLIS)))
        .setFeature("search")
        .setAction("submit")
        .setSource(EventSource.newBuilder().setServer(EventSource.Server.newBuilder().setVersion("5.3.3")));
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  /** {@code message} as a newer client sends it: with a field {@code number} this build does not declare. */
  static <M extends Message> M withUnknownField(M message, int number, String value) {
    try {
      byte[] known = message.toByteArray();
      byte[] wire = Arrays.copyOf(known, known.length + CodedOutputStream.computeStringSize(number, value));
      CodedOutputStream out = CodedOutputStream.newInstance(wire, known.length, wire.length - known.length);
      out.writeString(number, value);
      out.checkNoSpaceLeft();
      @SuppressWarnings("unchecked") // a message's parser parses messages of its own type
      M parsed = (M) message.getParserForType().parseFrom(wire);
      return parsed;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A ping's payload, parsed. */
  static Struct payload(Ping ping) {
    Struct.Builder payload = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(ping.getPayload(), payload);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("the payload is not a JSON object: " + ping.getPayload(), e);
    }
    return payload.build();
  }

  /** The event a payload carries under {@code event}, parsed back from its protojson. */
  static Event payloadEvent(Ping ping) {
    Event.Builder event = Event.newBuilder();
    try {
      JsonFormat.parser().merge(JsonFormat.printer().print(payload(ping).getFieldsOrThrow("event")), event);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("the payload's event is not an Event: " + ping.getPayload(), e);
    }
    return event.build();
  }
}
