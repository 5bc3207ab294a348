package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.proto.IngestServiceGrpc;
import io.pingstack.model.TestPings;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link GrpcIngest} over the in-process transport, with a log whose durability the test controls. */
class GrpcIngestTest {
  private static final int MAX_PENDING = 2;

  private final HeldWal wal = new HeldWal();
  private GrpcIngest ingest;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    PingIntake intake = new PingIntake(GatewayConfig.defaults(),
        new IngestService(wal, new DedupWindow(Duration.ofHours(24), 1_000_000), "node-a"),
        new InflightBudget(1L << 30), GatewayMetrics.NOOP);
    ingest = new GrpcIngest(intake, MAX_PENDING);
    String name = InProcessServerBuilder.generateName();
    // Direct executors on both ends: a message the server has asked for is delivered inside the client's send.
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ingest.definition()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static PingBatch batch(String... ids) {
    PingBatch.Builder batch = PingBatch.newBuilder();
    for (String id : ids) {
      batch.addPings(TestPings.ping("i-1", id).at(Instant.now()).build());
    }
    return batch.build();
  }

  private static StreamObserver<IngestResponse> into(CompletableFuture<IngestResponse> answer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(IngestResponse value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        answer.complete(null);
      }
    };
  }

  @Test
  void aStreamIsAskedForNoMoreBatchesThanMayBePendingUntilOneIsDurable() throws Exception {
    CompletableFuture<IngestResponse> answer = new CompletableFuture<>();
    StreamObserver<PingBatch> stream = IngestServiceGrpc.newStub(channel).ingestStream(into(answer));
    for (int i = 0; i < 10; i++) {
      stream.onNext(batch("p" + i));
    }
    stream.onCompleted();
    List<HeldWal.Held> pending = new ArrayList<>();
    for (HeldWal.Held append = wal.poll(); append != null; append = wal.poll()) {
      pending.add(append);
    }
    assertThat(pending).as("batches taken off the wire while none is durable").hasSize(MAX_PENDING);
    pending.get(0).release();
    HeldWal.Held third = wal.poll();
    assertThat(third).as("one durable batch lets one more in").isNotNull();
    assertThat(wal.poll()).isNull();
    assertThat(answer).isNotDone();
    pending.get(1).release();
    third.release();
    while (wal.log.records().size() < 10) {
      wal.next().release();
    }
    assertThat(answer.get(10, TimeUnit.SECONDS).getAccepted()).isEqualTo(10);
    assertThat(wal.log.records()).extracting(WalRecord::getPingsCount).containsOnly(1).hasSize(10);
  }

  @Test
  void aCallWhoseDeadlinePassedOrThatWasCancelledStoresNothing() {
    Context.CancellableContext expired = Context.current().withCancellation();
    expired.cancel(null);
    ApiException refused = catchThrowableOfType(ApiException.class,
        () -> expired.run(() -> ingest.store(batch("late").toByteArray(), null, "127.0.0.1", 0, true)));
    assertThat(refused.code()).isEqualTo("cancelled");
    assertThat(wal.poll()).as("nothing reached the log").isNull();
  }

  @Test
  void theUnaryAnswerWaitsForDurability() throws Exception {
    CompletableFuture<IngestResponse> answer = new CompletableFuture<>();
    IngestServiceGrpc.newStub(channel).ingest(batch("a", "b"), into(answer));
    HeldWal.Held append = wal.next();
    assertThat(answer).isNotDone();
    append.release();
    assertThat(answer.get(10, TimeUnit.SECONDS).getAccepted()).isEqualTo(2);
  }

  @Test
  void aStreamThatFailsToStoreEndsWithTheLogsStatusAndStoresNothingMore() throws Exception {
    CompletableFuture<IngestResponse> answer = new CompletableFuture<>();
    StreamObserver<PingBatch> stream = IngestServiceGrpc.newStub(channel).ingestStream(into(answer));
    stream.onNext(batch("first"));
    wal.next().release();
    stream.onNext(batch("refused"));
    wal.next().refuse(WalUnavailableException.Cause.BACKPRESSURE);
    stream.onNext(batch("after"));
    stream.onCompleted();
    assertThat(wal.poll()).as("nothing after the refusal reaches the log").isNull();
    ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> answer.get(10, TimeUnit.SECONDS));
    assertThat(Status.fromThrowable(failure.getCause()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(((StatusRuntimeException) failure.getCause()).getTrailers().get(GrpcStatuses.RETRY_AFTER)).isNotNull();
    assertThat(wal.log.records()).flatExtracting(WalRecord::getPingsList).extracting(Ping::getPingId).containsExactly("first");
  }
}
