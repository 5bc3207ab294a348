package io.pingstack.server;

import static io.pingstack.server.Servers.env;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.telemetry.Event;
import io.pingstack.gateway.telemetry.EventParameters;
import io.pingstack.gateway.telemetry.EventSource;
import io.pingstack.gateway.telemetry.Identifier;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.gateway.telemetry.RecordEventsRequestMetadata;
import io.pingstack.gateway.telemetry.RecordEventsResponse;
import io.pingstack.gateway.telemetry.TelemeteryGatewayServiceGrpc;
import io.pingstack.model.proto.Ping;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sourcegraph's Telemetry Gateway against the real service over a real socket, with a client
 * generated from our {@code .proto}: protocol violations are refused, invalid events left out,
 * redelivered events acknowledged again, and every event counted once in the log and the rollups.
 */
class SourcegraphTelemetryGatewayIT {
  @TempDir Path dir;
  /** Every event's time: one reading, so that no day's end can fall between two events of a test. */
  private final Instant now = Instant.now();

  /** What one call got back: a response per events message, then its status. */
  record Outcome(List<List<String>> responses, Status status) {}

  private static Outcome record(ManagedChannel channel, RecordEventsRequest... requests) throws Exception {
    List<List<String>> responses = new ArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<RecordEventsRequest> call = TelemeteryGatewayServiceGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .recordEvents(new StreamObserver<>() {
          @Override
          public void onNext(RecordEventsResponse value) {
            responses.add(value.getSucceededEventsList());
          }

          @Override
          public void onError(Throwable t) {
            done.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            done.complete(Status.OK);
          }
        });
    for (RecordEventsRequest request : requests) {
      call.onNext(request);
    }
    call.onCompleted();
    Status status = done.get(30, TimeUnit.SECONDS);
    return new Outcome(responses, status);
  }

  private static RecordEventsRequest metadata(String instance) {
    return RecordEventsRequest.newBuilder().setMetadata(RecordEventsRequestMetadata.newBuilder()
        .setRequestId("req-" + instance)
        .setIdentifier(Identifier.newBuilder().setUnlicensedInstance(
            Identifier.UnlicensedInstanceIdentifier.newBuilder().setInstanceId(instance).setExternalUrl("https://sg.example.com"))))
        .build();
  }

  private static RecordEventsRequest events(Event... events) {
    return RecordEventsRequest.newBuilder()
        .setEvents(RecordEventsRequest.EventsPayload.newBuilder().addAllEvents(List.of(events))).build();
  }

  private Event event(String id, String feature, String action) {
    return Event.newBuilder().setId(id).setFeature(feature).setAction(action)
        .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setSource(EventSource.newBuilder().setServer(EventSource.Server.newBuilder().setVersion("5.3.3")))
        .setParameters(EventParameters.newBuilder().putMetadata("resultCount", 3).putLegacyMetadata("durationMs", 40))
        .build();
  }

  @Test
  void violationsAreRefusedInvalidEventsLeftOutAndRedeliveriesCountedOnce() throws Exception {
    Event chat = event("e-1", "cody.chat", "submit");
    Event search = event("e-2", "search", "submit");
    Event later = event("e-3", "cody.chat", "submit");
    Event badFeature = event("e-bad", "Cody", "submit");
    Event noTimestamp = event("e-nots", "search", "submit").toBuilder().clearTimestamp().build();
    Event tooOld = event("e-old", "search", "submit").toBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(now.minus(Duration.ofDays(40)).getEpochSecond())).build();
    Event fresh = event("e-4", "search", "submit");
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
      try {
        Outcome eventsFirst = record(channel, events(chat));
        assertThat(eventsFirst.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(eventsFirst.responses()).isEmpty();
        Outcome metadataTwice = record(channel, metadata("sg-1"), metadata("sg-1"), events(chat));
        assertThat(metadataTwice.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(metadataTwice.status().getDescription()).contains("metadata more than once");

        Outcome first = record(channel, metadata("sg-1"),
            events(chat, badFeature, search, noTimestamp, tooOld),
            events(later, chat));
        assertThat(first.status().getCode()).isEqualTo(Status.Code.OK);
        assertThat(first.responses()).containsExactly(List.of("e-1", "e-2"), List.of("e-3", "e-1"));

        // The next export run re-sends what it holds; only e-4 is new.
        Outcome redelivery = record(channel, metadata("sg-1"), events(chat, search, later, fresh));
        assertThat(redelivery.status().getCode()).isEqualTo(Status.Code.OK);
        assertThat(redelivery.responses()).containsExactly(List.of("e-1", "e-2", "e-3", "e-4"));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      Servers.awaitEventCounts(server.httpPort(), Map.of("cody.chat.submit", 2L, "search.submit", 2L), Duration.ofSeconds(60));
      HttpResponse<String> rollup = Servers.get(server.httpPort(), "/v1/rollups?event=search.submit&step=1d&agg=count,sum&metric=duration_ms"
          + "&from=" + now.minus(Duration.ofDays(2)).toEpochMilli() + "&to=" + now.plus(Duration.ofDays(1)).toEpochMilli());
      assertThat(rollup.statusCode()).isEqualTo(200);
      assertThat(rollup.body()).contains("\"count\":2").contains("\"sum\":80");
      assertThat(Servers.get(server.httpPort(), "/metrics").body())
          .contains("pingstack_ingest_pings_total{outcome=\"rejected\",reason=\"invalid_telemetry_event\"} 2.0")
          .contains("pingstack_ingest_pings_total{outcome=\"rejected\",reason=\"timestamp_too_old\"} 1.0");
    }
    List<Ping> stored = Servers.walPings(dir);
    assertThat(stored).extracting(Ping::getPingId).containsExactlyInAnyOrder("e-1", "e-2", "e-3", "e-4");
    assertThat(stored).allSatisfy(p -> {
      assertThat(p.getInstanceId()).isEqualTo("sg-1");
      assertThat(p.getVersion()).isEqualTo("5.3.3");
      assertThat(p.getMetricsMap()).containsEntry("result_count", 3.0).containsEntry("duration_ms", 40.0);
    });
  }

  @Test
  void theServiceCanBeSwitchedOff() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir, "PINGSTACK_SOURCEGRAPH_TELEMETRY_GATEWAY_ENABLED", "false")))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
      try {
        assertThat(record(channel, metadata("sg-1"), events(event("e-1", "search", "submit"))).status().getCode())
            .isEqualTo(Status.Code.UNIMPLEMENTED);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertThat(Servers.walPings(dir)).isEmpty();
  }
}
