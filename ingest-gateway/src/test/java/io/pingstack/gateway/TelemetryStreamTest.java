package io.pingstack.gateway;

import static io.pingstack.gateway.TelemetryEventsFixture.event;
import static io.pingstack.gateway.TelemetryEventsFixture.events;
import static io.pingstack.gateway.TelemetryEventsFixture.metadataFixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.model.proto.Ping;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One {@code RecordEvents} call over the in-process transport when the log is slow, out of order or
 * refusing, or the client goes away: answer order, flow control, and how the call ends.
 */
class TelemetryStreamTest {
  private final List<TelemetryHarness> harnesses = new ArrayList<>();

  private TelemetryHarness harness(TelemetryHarness harness) {
    harnesses.add(harness);
    return harness;
  }

  @AfterEach
  void close() {
    harnesses.forEach(TelemetryHarness::close);
  }

  @Test
  void refusingWalEndsTheCallWithUnavailableAfterTheAnswersBeforeIt() throws Exception {
    InMemoryWal wal = new InMemoryWal();
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess(GatewayConfig.defaults(), wal, wal));
    ResponseRecorder recorder = new ResponseRecorder();
    StreamObserver<RecordEventsRequest> call = grpc.open(recorder);
    call.onNext(metadataFixture());
    call.onNext(events(event("e-1").build()));
    assertThat(recorder.next().getSucceededEventsList()).containsExactly("e-1");

    wal.refuse(WalUnavailableException.Cause.BACKPRESSURE);
    call.onNext(events(event("e-2").build()));
    call.onNext(events(event("e-3").build()));
    call.onCompleted();

    assertThat(recorder.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(recorder.status().getDescription()).startsWith("wal_backpressure");
    assertThat(recorder.acknowledged()).containsExactly("e-1");
    assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly("e-1");

    wal.accept();
    ResponseRecorder retry = grpc.call(metadataFixture(), events(event("e-1").build(), event("e-2").build(), event("e-3").build()));
    assertThat(retry.acknowledged()).containsExactly("e-1", "e-2", "e-3");
    assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly("e-1", "e-2", "e-3");
  }

  @Test
  void rateLimitedMessageEndsTheCallWithResourceExhaustedAfterTheAnswersBeforeIt() throws Exception {
    InMemoryWal wal = new InMemoryWal();
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess(TelemetryHarness.rateLimited(0.001, 2), wal, wal));

    ResponseRecorder call = grpc.call(metadataFixture(),
        events(event("e-1").build(), event("e-2").build()),
        events(event("e-3").build()));

    assertThat(call.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(call.status().getDescription()).startsWith("rate_limited");
    assertThat(call.acknowledged()).containsExactly("e-1", "e-2");
    assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly("e-1", "e-2");
  }

  @Test
  void answersLeaveInRequestOrderWhenTheLogCompletesOutOfOrderAndOkComesLast() throws Exception {
    HeldWal wal = new HeldWal();
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess(GatewayConfig.defaults(), wal, wal.log));

    ResponseRecorder call = grpc.call(metadataFixture(),
        events(event("e-1").build()), events(event("e-2").build()), events(event("e-3").build()));
    HeldWal.Held first = wal.next();
    HeldWal.Held second = wal.next();
    HeldWal.Held third = wal.next();
    third.release();
    second.release();

    assertThat(call.ended()).isFalse();
    first.release();
    assertThat(call.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(call.answers()).containsExactly(List.of("e-1"), List.of("e-2"), List.of("e-3"));
  }

  @Test
  void atMostEightEventsMessagesAreReadWhileTheLogHasNotAnswered() throws Exception {
    HeldWal wal = new HeldWal();
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess(GatewayConfig.defaults(), wal, wal.log));
    List<RecordEventsRequest> requests = new ArrayList<>();
    requests.add(metadataFixture());
    for (int i = 0; i < 20; i++) {
      requests.add(events(event("e-" + i).build()));
    }

    ResponseRecorder call = grpc.call(requests.toArray(new RecordEventsRequest[0]));
    List<HeldWal.Held> held = new ArrayList<>();
    for (int i = 0; i < TelemetryStream.MAX_UNANSWERED; i++) {
      held.add(wal.next());
    }

    assertThat(wal.poll()).as("a message read beyond the bound").isNull();
    for (int i = 0; i < 20; i++) {
      held.get(i).release();
      if (held.size() < 20) {
        held.add(wal.next());
        assertThat(wal.poll()).as("each answer lets one more message in, not two").isNull();
      }
    }
    assertThat(call.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(call.acknowledged()).hasSize(20).startsWith("e-0", "e-1").endsWith("e-19");
  }

  @Test
  void clientCancellationEndsTheCallAndTheServiceKeepsServing() throws Exception {
    HeldWal wal = new HeldWal();
    TelemetryHarness grpc = harness(TelemetryHarness.inProcess(GatewayConfig.defaults(), wal, wal.log));
    ResponseRecorder recorder = new ResponseRecorder();
    StreamObserver<RecordEventsRequest> call = grpc.open(recorder);
    call.onNext(metadataFixture());
    call.onNext(events(event("e-1").build()));
    HeldWal.Held append = wal.next();

    call.onError(new IllegalStateException("the instance shuts down"));
    append.release();

    assertThat(recorder.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(recorder.responses()).isEmpty();
    assertThat(grpc.stored()).extracting(Ping::getPingId).containsExactly("e-1");
    ResponseRecorder next = grpc.call(metadataFixture(), events(event("e-1").build(), event("e-2").build()));
    wal.next().release();
    assertThat(next.acknowledged()).containsExactly("e-1", "e-2");
  }
}
