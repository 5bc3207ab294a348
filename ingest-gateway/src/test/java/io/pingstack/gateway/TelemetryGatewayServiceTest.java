package io.pingstack.gateway;

import static io.pingstack.gateway.TelemetryEventsFixture.CODY_EVENT_ID;
import static io.pingstack.gateway.TelemetryEventsFixture.INSTANCE_ID;
import static io.pingstack.gateway.TelemetryEventsFixture.LICENSE_KEY;
import static io.pingstack.gateway.TelemetryEventsFixture.SEARCH_EVENT_ID;
import static io.pingstack.gateway.TelemetryEventsFixture.event;
import static io.pingstack.gateway.TelemetryEventsFixture.events;
import static io.pingstack.gateway.TelemetryEventsFixture.eventsFixture;
import static io.pingstack.gateway.TelemetryEventsFixture.licensed;
import static io.pingstack.gateway.TelemetryEventsFixture.metadata;
import static io.pingstack.gateway.TelemetryEventsFixture.metadataFixture;
import static io.pingstack.gateway.TelemetryEventsFixture.payload;
import static io.pingstack.gateway.TelemetryEventsFixture.payloadEvent;
import static io.pingstack.gateway.TelemetryEventsFixture.unlicensed;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Status;
import io.pingstack.gateway.telemetry.Event;
import io.pingstack.gateway.telemetry.EventParameters;
import io.pingstack.gateway.telemetry.Identifier;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code RecordEvents} over the in-process transport, against a real {@link IngestService} and an
 * in-memory WAL: the protocol's rules, the acknowledgements, and what is stored.
 */
class TelemetryGatewayServiceTest {
  private final List<TelemetryHarness> harnesses = new ArrayList<>();

  private TelemetryHarness harness(TelemetryHarness harness) {
    harnesses.add(harness);
    return harness;
  }

  @AfterEach
  void close() {
    harnesses.forEach(TelemetryHarness::close);
  }

  /** A record's encoding, one char per byte, to look for ASCII text in it. */
  private static String bytes(WalRecord record) {
    return new String(record.toByteArray(), StandardCharsets.ISO_8859_1);
  }

  private static Ping pingWithId(List<Ping> pings, String id) {
    return pings.stream().filter(p -> p.getPingId().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no stored ping " + id + " in " + pings));
  }

  @Test
  void fixtureStreamAcknowledgesBothEventsInOneResponseAndStoresTheMappedPings() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());
    RecordEventsRequest sent = eventsFixture();

    ResponseRecorder call = grpc.call(metadataFixture(), sent);

    assertThat(call.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(call.responses()).hasSize(1);
    assertThat(call.responses().get(0).getSucceededEventsList()).containsExactly(CODY_EVENT_ID, SEARCH_EVENT_ID);
    assertThat(grpc.records()).hasSize(1);
    assertThat(grpc.records().get(0).getPrincipal()).isEqualTo(Auth.ANONYMOUS);
    Ping cody = pingWithId(grpc.stored(), CODY_EVENT_ID);
    assertThat(cody.getInstanceId()).isEqualTo(INSTANCE_ID);
    assertThat(cody.getEvent()).isEqualTo("cody.chat.submit");
    assertThat(cody.getVersion()).isEqualTo("5.3.3");
    assertThat(cody.getDeployType()).isEmpty();
    assertThat(cody.getTimestamp()).isEqualTo(sent.getEvents().getEvents(0).getTimestamp());
    assertThat(cody.getMetricsMap()).containsExactlyInAnyOrderEntriesOf(
        Map.of("records_private_metadata_transcript", 0.0, "chat_model_is_default", 1.0));
    assertThat(cody.getDimensionsMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "client", "VSCODE_CODY_EXTENSION", "client_version", "1.8.0",
        "billing_product", "cody", "billing_category", "core"));
    assertThat(payloadEvent(cody)).isEqualTo(sent.getEvents().getEvents(0));
    assertThat(payload(cody).getFieldsOrThrow("metadata").getStructValue().getFieldsOrThrow("requestId").getStringValue())
        .isEqualTo(TelemetryEventsFixture.REQUEST_ID);
    assertThat(payload(cody).getFieldsMap()).doesNotContainKey("event_proto_base64");
    Ping search = pingWithId(grpc.stored(), SEARCH_EVENT_ID);
    assertThat(search.getEvent()).isEqualTo("search.submit");
    assertThat(search.getMetricsMap()).containsExactlyInAnyOrderEntriesOf(Map.of("pattern_type", 2.0, "result_count", 31.0));
    assertThat(search.getDimensionsMap()).containsExactlyInAnyOrderEntriesOf(Map.of("client", "WEB", "client_version", "5.3.3"));
    assertThat(bytes(grpc.records().get(0))).doesNotContain(LICENSE_KEY);
  }

  @Test
  void metadataTwiceIsInvalidArgument() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadataFixture(), metadataFixture(), eventsFixture());

    assertThat(call.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(call.status().getDescription()).isEqualTo("received metadata more than once");
    assertThat(grpc.stored()).isEmpty();
  }

  @Test
  void eventsBeforeMetadataAreInvalidArgument() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(eventsFixture(), metadataFixture());

    assertThat(call.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(call.responses()).isEmpty();
    assertThat(grpc.stored()).isEmpty();
  }

  @Test
  void requestWithNeitherMetadataNorEventsIsInvalidArgument() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadataFixture(), RecordEventsRequest.getDefaultInstance(), eventsFixture());

    assertThat(call.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(grpc.stored()).isEmpty();
  }

  @Test
  void managedServiceIdentifierIsUnimplemented() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());
    Identifier managed = Identifier.newBuilder()
        .setManagedService(Identifier.ManagedServiceIdentifier.newBuilder().setServiceId("cody-gateway"))
        .build();

    ResponseRecorder call = grpc.call(metadata(managed), eventsFixture());

    assertThat(call.status().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(call.status().getDescription()).contains("managed_service");
    assertThat(grpc.stored()).isEmpty();
  }

  @Test
  void unsetIdentifierIsUnimplemented() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadata(Identifier.getDefaultInstance()), eventsFixture());

    assertThat(call.status().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(grpc.stored()).isEmpty();
  }

  @Test
  void licensedInstanceWithoutLicenseKeyIsInvalidArgument() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadata(licensed("", INSTANCE_ID)), eventsFixture());

    assertThat(call.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(grpc.stored()).isEmpty();
  }

  @Test
  void unlicensedInstanceWithoutInstanceIdIsInvalidArgument() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadata(unlicensed("")), eventsFixture());

    assertThat(call.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(grpc.stored()).isEmpty();
  }

  @Test
  void unlicensedInstanceIsStoredUnderItsInstanceId() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadata(unlicensed("site-1")), events(event("e-1").build()));

    assertThat(call.acknowledged()).containsExactly("e-1");
    assertThat(grpc.stored()).extracting(Ping::getInstanceId).containsExactly("site-1");
  }

  @Test
  void licensedInstanceWithoutInstanceIdIsStoredUnderAHashOfItsKeyAndNeverTheKey() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadata(licensed(LICENSE_KEY, "")), events(event("e-1").build()));

    assertThat(call.acknowledged()).containsExactly("e-1");
    Ping ping = grpc.stored().get(0);
    assertThat(ping.getInstanceId()).isEqualTo(TelemetryEvents.licensedInstanceId(LICENSE_KEY)).matches("license-[0-9a-f]{32}");
    assertThat(bytes(grpc.records().get(0))).doesNotContain(LICENSE_KEY);
  }

  @Test
  void invalidEventsAreLeftOutWhileTheValidOnesOfTheSameMessageAreAcknowledged() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());
    RecordEventsRequest mixed = events(
        event("valid-1").build(),
        event("").build(),
        event("no-timestamp").clearTimestamp().build(),
        event("bad-feature").setFeature("Search").build(),
        event("digit-feature").setFeature("search2").build(),
        event("long-action").setAction("a".repeat(65)).build(),
        event("too-old").setTimestamp(TelemetryEventsFixture.timestamp(Instant.now().minus(Duration.ofDays(31)))).build(),
        event("valid-2").setAction("a".repeat(64)).build());

    ResponseRecorder call = grpc.call(metadataFixture(), mixed);

    assertThat(call.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(call.responses()).hasSize(1);
    assertThat(call.acknowledged()).containsExactly("valid-1", "valid-2");
    assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly("valid-1", "valid-2");
  }

  @Test
  void eachEventsMessageGetsExactlyOneResponseInRequestOrder() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    ResponseRecorder call = grpc.call(metadataFixture(),
        events(event("a-1").build(), event("a-2").build()),
        events(event("").build()),
        events(event("c-1").build()));

    assertThat(call.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(call.answers())
        .containsExactly(List.of("a-1", "a-2"), List.of(), List.of("c-1"));
  }

  @Test
  void redeliveredEventsAreAcknowledgedAgainButStoredOnce() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());
    RecordEventsRequest twiceInOne = events(event("e-1").build(), event("e-2").build(), event("e-1").build());

    ResponseRecorder first = grpc.call(metadataFixture(), twiceInOne);
    assertThat(first.acknowledged()).containsExactly("e-1", "e-2", "e-1");

    ResponseRecorder again = grpc.call(metadataFixture(), events(event("e-1").build(), event("e-2").build()));

    assertThat(again.acknowledged()).containsExactly("e-1", "e-2");
    assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly("e-1", "e-2");
  }

  @Test
  void unknownFieldsOfAnEventSurviveInThePayload() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());
    Event withUnknown = TelemetryEventsFixture.withUnknownField(event("e-1").build(), 99, "post-snapshot field");

    ResponseRecorder call = grpc.call(metadataFixture(), events(withUnknown));

    assertThat(call.acknowledged()).containsExactly("e-1");
    Ping ping = grpc.stored().get(0);
    String base64 = payload(ping).getFieldsOrThrow("event_proto_base64").getStringValue();
    Event kept = Event.parseFrom(Base64.getDecoder().decode(base64));
    assertThat(kept).isEqualTo(withUnknown);
    assertThat(kept.getUnknownFields().getField(99).getLengthDelimitedList())
        .containsExactly(ByteString.copyFromUtf8("post-snapshot field"));
    assertThat(payloadEvent(ping).getId()).isEqualTo("e-1");
  }

  @Test
  void legacyInt64MetadataIsMergedIntoTheMetrics() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());
    Event legacy = event("e-1").setParameters(EventParameters.newBuilder()
        .putLegacyMetadata("durationMs", 1234L)
        .putLegacyMetadata("resultCount", 7L)
        .putMetadata("resultCount", 8.5))
        .build();

    ResponseRecorder call = grpc.call(metadataFixture(), events(legacy));

    assertThat(call.acknowledged()).containsExactly("e-1");
    assertThat(grpc.stored().get(0).getMetricsMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("duration_ms", 1234.0, "result_count", 8.5));
  }

  @Test
  @SuppressWarnings("AddressSelection") // literal addresses: nothing is resolved
  void peerAddressIsItsIpWithoutThePort() {
    assertThat(GrpcCaller.address(new InetSocketAddress("127.0.0.1", 40123))).isEqualTo("127.0.0.1");
    assertThat(GrpcCaller.address(new InetSocketAddress("::1", 40123))).isEqualTo("0:0:0:0:0:0:0:1");
  }

  @Test
  @SuppressWarnings("AddressSelection")
  void theTransportFilterFormatsThePeerAddressOncePerConnection() {
    Attributes transport = GrpcCaller.TRANSPORT_FILTER.transportReady(Attributes.newBuilder()
        .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, new InetSocketAddress("127.0.0.2", 40123)).build());
    assertThat(transport.get(GrpcCaller.PEER_ADDRESS)).isEqualTo("127.0.0.2");
    assertThat(transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)).isEqualTo(new InetSocketAddress("127.0.0.2", 40123));
  }

  @Test
  void licenseKeyIsNeverInTheStoredPayload() throws Exception {
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess());

    grpc.call(metadataFixture(), eventsFixture()).status();

    assertThat(grpc.stored()).hasSize(2).allSatisfy(ping -> {
      assertThat(ping.getPayload()).doesNotContain(LICENSE_KEY);
      assertThat(payload(ping).getFieldsOrThrow("metadata").getStructValue().getFieldsOrThrow("identifier")
          .getStructValue().getFieldsOrThrow("licensedInstance").getStructValue().getFieldsMap())
          .containsOnlyKeys("instanceId", "externalUrl");
    });
    assertThat(bytes(grpc.records().get(0))).doesNotContain(LICENSE_KEY);
  }
}
