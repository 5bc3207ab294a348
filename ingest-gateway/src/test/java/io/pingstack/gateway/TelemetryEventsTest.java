package io.pingstack.gateway;

import static io.pingstack.gateway.TelemetryEventsFixture.event;
import static io.pingstack.gateway.TelemetryEventsFixture.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.pingstack.gateway.telemetry.Event;
import io.pingstack.gateway.telemetry.EventBillingMetadata;
import io.pingstack.gateway.telemetry.EventParameters;
import io.pingstack.gateway.telemetry.EventSource;
import io.pingstack.gateway.telemetry.RecordEventsRequestMetadata;
import io.pingstack.model.PingRules;
import io.pingstack.model.proto.Ping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mapping of one Sourcegraph telemetry event to a Pingstack ping, without gRPC. */
class TelemetryEventsTest {
  private static final String METADATA = TelemetryPayload.metadataJson(
      TelemetryEventsFixture.metadataFixture().getMetadata());

  private static Ping ping(Event.Builder event) {
    return TelemetryEvents.ping(event.build(), "inst-1", METADATA);
  }

  private static List<String> dropped(Ping ping) {
    return payload(ping).getFieldsOrThrow("pingstack_metrics_dropped").getListValue().getValuesList().stream()
        .map(Value::getStringValue).toList();
  }

  @Test
  void eventNameIsFeatureDotActionEachSnakeCased() {
    assertThat(ping(event("e-1").setFeature("cody.chatResponse").setAction("submit")).getEvent())
        .isEqualTo("cody.chat_response.submit");
    assertThat(ping(event("e-2").setFeature("blob.codeIntel-hover").setAction("viewed")).getEvent())
        .isEqualTo("blob.code_intel-hover.viewed");
  }

  @Test
  void sourcegraphRulesNeedAnIdATimestampAndFeatureAndActionOfLettersDotsAndDashes() {
    assertThat(TelemetryEvents.valid(event("e-1").build())).isTrue();
    assertThat(TelemetryEvents.valid(event("").build())).isFalse();
    assertThat(TelemetryEvents.valid(event("e-1").clearTimestamp().build())).isFalse();
    assertThat(TelemetryEvents.valid(event("e-1").setFeature("s").build())).as("one character").isFalse();
    assertThat(TelemetryEvents.valid(event("e-1").setFeature("cody_chat").build())).isFalse();
    assertThat(TelemetryEvents.valid(event("e-1").setAction("Submit").build())).isFalse();
    assertThat(TelemetryEvents.valid(event("e-1").setAction("a".repeat(64)).build())).isTrue();
    assertThat(TelemetryEvents.valid(event("e-1").setAction("a".repeat(65)).build())).isFalse();
  }

  @Test
  void metadataWinsOverLegacyMetadataOnTheSameKeyAndLegacyValuesAreKept() {
    Ping ping = ping(event("e-1").setParameters(EventParameters.newBuilder()
        .putLegacyMetadata("count", 3L)
        .putLegacyMetadata("bigCount", 9_000_000_000L)
        .putMetadata("count", 4.5)));

    assertThat(ping.getMetricsMap()).containsExactlyInAnyOrderEntriesOf(Map.of("count", 4.5, "big_count", 9.0e9));
    assertThat(payload(ping).getFieldsMap()).doesNotContainKey("pingstack_metrics_dropped");
  }

  @Test
  void nonFiniteValuesAndKeysThatAreNoMetricNameAreLeftOutAndListed() {
    Ping ping = ping(event("e-1").setParameters(EventParameters.newBuilder()
        .putMetadata("ok", 1)
        .putMetadata("nan", Double.NaN)
        .putMetadata("infinite", Double.POSITIVE_INFINITY)
        .putMetadata("9lives", 9)
        .putMetadata("", 1)));

    assertThat(ping.getMetricsMap()).containsOnlyKeys("ok");
    assertThat(dropped(ping)).containsExactly("", "9lives", "infinite", "nan");
  }

  @Test
  void atMost64MetricsAreKeptInKeyOrderAndTheRestListed() {
    EventParameters.Builder parameters = EventParameters.newBuilder();
    for (int i = 0; i < 70; i++) {
      parameters.putMetadata(String.format("m%02d", i), i);
    }

    Ping ping = ping(event("e-1").setParameters(parameters));

    assertThat(ping.getMetricsMap()).hasSize(PingRules.MAX_METRICS).containsKeys("m00", "m63").doesNotContainKey("m64");
    assertThat(dropped(ping)).containsExactly("m64", "m65", "m66", "m67", "m68", "m69");
    assertThat(new PingRules(PingRules.DEFAULT_MAX_AGE).check(ping, System.currentTimeMillis())).isNull();
  }

  @Test
  void dimensionsComeFromTheClientAndTheBillingMetadataWhenPresent() {
    Ping full = ping(event("e-1")
        .setSource(EventSource.newBuilder()
            .setServer(EventSource.Server.newBuilder().setVersion("5.3.3"))
            .setClient(EventSource.Client.newBuilder().setName("WEB").setVersion("5.3.3")))
        .setParameters(EventParameters.newBuilder()
            .setBillingMetadata(EventBillingMetadata.newBuilder().setProduct("cody").setCategory("core"))));
    Ping bare = ping(event("e-2"));

    assertThat(full.getDimensionsMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "client", "WEB", "client_version", "5.3.3", "billing_product", "cody", "billing_category", "core"));
    assertThat(bare.getDimensionsMap()).isEmpty();
  }

  @Test
  void payloadIsTheEventAndTheMetadataWithoutTheLicenseKey() {
    Ping ping = ping(event("e-1"));

    assertThat(payload(ping).getFieldsOrThrow("metadata").getStructValue().getFieldsOrThrow("requestId").getStringValue())
        .isEqualTo(TelemetryEventsFixture.REQUEST_ID);
    assertThat(TelemetryEventsFixture.payloadEvent(ping)).isEqualTo(event("e-1").setTimestamp(ping.getTimestamp()).build());
    assertThat(ping.getPayload()).doesNotContain(TelemetryEventsFixture.LICENSE_KEY);
  }

  @Test
  void payloadOverTheLimitIsReplacedByItsSizeAndThePingStaysValid() {
    Struct huge = Struct.newBuilder()
        .putFields("transcript", Value.newBuilder().setStringValue("x".repeat(70 * 1024)).build())
        .build();

    Ping ping = ping(event("e-1").setParameters(EventParameters.newBuilder().setPrivateMetadata(huge)));

    Struct payload = payload(ping);
    assertThat(payload.getFieldsMap()).containsOnlyKeys("pingstack_payload_dropped_bytes");
    assertThat(payload.getFieldsOrThrow("pingstack_payload_dropped_bytes").getNumberValue()).isGreaterThan(70 * 1024);
    assertThat(new PingRules(PingRules.DEFAULT_MAX_AGE).check(ping, System.currentTimeMillis())).isNull();
  }

  @Test
  void unknownFieldsAreFoundInTheEventAndInMessagesInsideIt() {
    Event known = event("e-1").build();
    Event unknown = TelemetryEventsFixture.withUnknownField(known, 77, "x");
    EventSource.Server newerServer = TelemetryEventsFixture.withUnknownField(known.getSource().getServer(), 9, "y");
    Event nestedUnknown = known.toBuilder().setSource(known.getSource().toBuilder().setServer(newerServer)).build();

    assertThat(TelemetryPayload.hasUnknownFields(known)).isFalse();
    assertThat(TelemetryPayload.hasUnknownFields(unknown)).isTrue();
    assertThat(TelemetryPayload.hasUnknownFields(nestedUnknown)).isTrue();
    assertThat(payload(TelemetryEvents.ping(known, "inst-1", METADATA)).getFieldsMap()).doesNotContainKey("event_proto_base64");
    assertThat(payload(TelemetryEvents.ping(nestedUnknown, "inst-1", METADATA)).getFieldsMap()).containsKey("event_proto_base64");
  }

  @Test
  void eventProtojsonCannotRenderIsKeptAsItsBinaryEncoding() {
    Event outOfRange = event("e-1").setTimestamp(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build();

    String payload = TelemetryPayload.of(outOfRange, METADATA, new ArrayList<>());

    Struct parsed = payload(Ping.newBuilder().setPayload(payload).build());
    assertThat(parsed.getFieldsMap()).containsKeys("metadata", "event_proto_base64").doesNotContainKey("event");
  }

  @Test
  void licensedInstanceIdIsAStablePrefixOfTheKeysSha256() {
    // printf 'key-1' | sha256sum | cut -c1-32
    assertThat(TelemetryEvents.licensedInstanceId("key-1")).isEqualTo("license-be2974546978e3739e6d6da85c4be9f3");
    assertThat(TelemetryEvents.licensedInstanceId("key-2")).isNotEqualTo(TelemetryEvents.licensedInstanceId("key-1"));
  }

  @Test
  void metadataJsonLeavesOutTheLicenseKeyOnly() {
    RecordEventsRequestMetadata metadata = TelemetryEventsFixture.metadataFixture().getMetadata();

    String json = TelemetryPayload.metadataJson(metadata);

    assertThat(json).doesNotContain(TelemetryEventsFixture.LICENSE_KEY)
        .contains(TelemetryEventsFixture.INSTANCE_ID, "https://sourcegraph.example.com", TelemetryEventsFixture.REQUEST_ID);
  }
}
