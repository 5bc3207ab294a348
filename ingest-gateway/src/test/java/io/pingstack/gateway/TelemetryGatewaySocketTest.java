package io.pingstack.gateway;

import static io.pingstack.gateway.TelemetryEventsFixture.CODY_EVENT_ID;
import static io.pingstack.gateway.TelemetryEventsFixture.INSTANCE_ID;
import static io.pingstack.gateway.TelemetryEventsFixture.SEARCH_EVENT_ID;
import static io.pingstack.gateway.TelemetryEventsFixture.event;
import static io.pingstack.gateway.TelemetryEventsFixture.events;
import static io.pingstack.gateway.TelemetryEventsFixture.eventsFixture;
import static io.pingstack.gateway.TelemetryEventsFixture.metadataFixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.pingstack.model.proto.Ping;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code RecordEvents} end to end over HTTP/2 on a real loopback socket (Netty on both ends). */
class TelemetryGatewaySocketTest {
  @Test
  void fixtureStreamOverLoopbackIsAcknowledgedAndStored() throws Exception {
    try (TelemetryHarness grpc = TelemetryHarness.loopback(GatewayConfig.defaults())) {
      ResponseRecorder call = grpc.call(metadataFixture(), eventsFixture(), eventsFixture());

      assertThat(call.status().getCode()).isEqualTo(Status.Code.OK);
      assertThat(call.answers())
          .containsExactly(List.of(CODY_EVENT_ID, SEARCH_EVENT_ID), List.of(CODY_EVENT_ID, SEARCH_EVENT_ID));
      assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly(CODY_EVENT_ID, SEARCH_EVENT_ID);
      assertThat(grpc.stored()).extracting(Ping::getInstanceId).containsOnly(INSTANCE_ID);
      assertThat(grpc.stored()).extracting(Ping::getEvent).containsExactly("cody.chat.submit", "search.submit");
    }
  }

  @Test
  void rateLimitIsPerPeerIpWhateverItsPort() throws Exception {
    try (TelemetryHarness grpc = TelemetryHarness.loopback(TelemetryHarness.rateLimited(0.001, 2))) {
      ResponseRecorder first = grpc.call(metadataFixture(), eventsFixture());
      assertThat(first.acknowledged()).containsExactly(CODY_EVENT_ID, SEARCH_EVENT_ID);

      ResponseRecorder second = grpc.callOverNewConnection(metadataFixture(), events(event("e-3").build()));

      assertThat(second.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly(CODY_EVENT_ID, SEARCH_EVENT_ID);
    }
  }
}
