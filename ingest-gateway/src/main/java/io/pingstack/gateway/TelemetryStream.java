package io.pingstack.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.telemetry.Event;
import io.pingstack.gateway.telemetry.Identifier;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.gateway.telemetry.RecordEventsRequestMetadata;
import io.pingstack.gateway.telemetry.RecordEventsResponse;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.PingRules;
import io.pingstack.model.proto.Ping;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code RecordEvents} call, as Sourcegraph's gateway answers it: first a {@code metadata}
 * message naming the instance, then {@code events} messages, each answered by exactly one
 * {@code RecordEventsResponse}, in request order, listing the ids of its events that are durable in
 * the WAL (stored now or earlier: a redelivered event is acknowledged again and stored once). Events
 * Sourcegraph's or Pingstack's rules refuse are left out; the instance keeps them queued. After the
 * client half-closes, the call ends with OK once every answer is sent.
 *
 * <p>A message the intake refuses (the WAL's backpressure or failure, the sender's rate limit) ends
 * the call with {@code UNAVAILABLE} or {@code RESOURCE_EXHAUSTED} after the answers of the messages
 * before it; later messages are not answered. The instance keeps the ids it was sent before the
 * error, logs the status, and sends the rest again on its next run; events of later messages that
 * reached the WAL meanwhile are then duplicates, acknowledged and stored once.
 *
 * <p>Threads: inbound callbacks come from gRPC one at a time; WAL appends complete on other threads.
 * Everything sent goes through {@link #tail}, a chain whose stages run one after the other, so the
 * not thread-safe {@link StreamObserver} is never called concurrently and answers leave in order.
 * Flow control is manual: at most {@link #MAX_UNANSWERED} events messages are held awaiting the WAL
 * before the next one is requested.
 */
final class TelemetryStream implements StreamObserver<RecordEventsRequest> {
  /** Events messages read but not yet answered, per call; real clients send under 1 MiB each. */
  static final int MAX_UNANSWERED = 8;
  private static final Logger LOG = LoggerFactory.getLogger(TelemetryStream.class);

  private final PingIntake intake;
  private final ServerCallStreamObserver<RecordEventsResponse> responses;
  private final String address;

  // Read and written by inbound callbacks only.
  private String instanceId;
  private String metadataJson;
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  // Guarded by this: flow control, shared by inbound callbacks and answering stages.
  private int unanswered;
  private boolean requestHeld;

  /** Set once the call is refused (its error is queued behind earlier answers): nothing more is read. */
  private volatile boolean refused;
  /** Set once the status is sent or the client went away: nothing more is sent. */
  private volatile boolean ended;

  TelemetryStream(PingIntake intake, ServerCallStreamObserver<RecordEventsResponse> responses, String address) {
    this.intake = intake;
    this.responses = responses;
    this.address = address;
    responses.disableAutoRequest();
    responses.setOnCancelHandler(() -> ended = true);
    responses.request(1);
  }

  @Override
  public void onNext(RecordEventsRequest request) {
    if (refused || ended) {
      return;
    }
    switch (request.getPayloadCase()) {
      case METADATA -> metadata(request.getMetadata());
      case EVENTS -> events(request.getEvents().getEventsList());
      default -> refuse(Status.INVALID_ARGUMENT.withDescription("a request must hold metadata or events"));
    }
  }

  @Override
  public void onError(Throwable t) {
    ended = true;
    LOG.debug("telemetry stream from {} ended by the client: {}", address, Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    if (!refused) {
      tail = tail.thenRun(() -> emit(responses::onCompleted, true));
    }
  }

  private void metadata(RecordEventsRequestMetadata metadata) {
    if (instanceId != null) {
      refuse(Status.INVALID_ARGUMENT.withDescription("received metadata more than once"));
      return;
    }
    try {
      instanceId = instanceId(metadata.getIdentifier());
    } catch (StatusRuntimeException e) {
      refuse(e.getStatus());
      return;
    }
    metadataJson = TelemetryPayload.metadataJson(metadata);
    responses.request(1);
  }

  /** The instance a stream's identifier names; licensed and unlicensed instances only. */
  static String instanceId(Identifier identifier) {
    String id = switch (identifier.getIdentifierCase()) {
      case LICENSED_INSTANCE -> {
        Identifier.LicensedInstanceIdentifier licensed = identifier.getLicensedInstance();
        if (licensed.getLicenseKey().isEmpty()) {
          throw Status.INVALID_ARGUMENT.withDescription("invalid license_key: it is empty").asRuntimeException();
        }
        yield licensed.getInstanceId().isEmpty()
            ? TelemetryEvents.licensedInstanceId(licensed.getLicenseKey())
            : licensed.getInstanceId();
      }
      case UNLICENSED_INSTANCE -> {
        if (identifier.getUnlicensedInstance().getInstanceId().isEmpty()) {
          throw Status.INVALID_ARGUMENT.withDescription("unlicensed_instance.instance_id is empty").asRuntimeException();
        }
        yield identifier.getUnlicensedInstance().getInstanceId();
      }
      case MANAGED_SERVICE -> throw Status.UNIMPLEMENTED
          .withDescription("managed_service identifiers are not accepted here: send as a licensed or unlicensed instance")
          .asRuntimeException();
      default -> throw Status.UNIMPLEMENTED
          .withDescription("unknown identifier type: expected licensed_instance or unlicensed_instance")
          .asRuntimeException();
    };
    if (id.length() > PingRules.MAX_INSTANCE_ID) {
      throw Status.INVALID_ARGUMENT.withDescription("instance_id is over " + PingRules.MAX_INSTANCE_ID + " characters")
          .asRuntimeException();
    }
    return id;
  }

  private void events(List<Event> events) {
    if (instanceId == null) {
      refuse(Status.INVALID_ARGUMENT.withDescription("the first message must be metadata"));
      return;
    }
    synchronized (this) {
      unanswered++;
    }
    CompletableFuture<List<String>> durable;
    try {
      durable = store(events);
    } catch (RuntimeException e) {
      durable = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<List<String>> stored = durable;
    tail = tail.thenCompose(previous -> stored.handle(this::answer));
    boolean more;
    synchronized (this) {
      more = unanswered < MAX_UNANSWERED;
      requestHeld = !more;
    }
    if (more) {
      responses.request(1);
    }
  }

  /** Stores the events of one message; completes with the ids to acknowledge once they are durable. */
  private CompletableFuture<List<String>> store(List<Event> events) {
    long receivedAt = System.currentTimeMillis();
    List<Ping> pings = new ArrayList<>(events.size());
    for (Event event : events) {
      if (TelemetryEvents.valid(event)) {
        pings.add(TelemetryEvents.ping(event, instanceId, metadataJson));
      }
    }
    if (pings.size() < events.size()) {
      intake.refusedByAdapter("invalid_telemetry_event", events.size() - pings.size());
    }
    DecodedBatch batch = DecodedBatch.validate(pings, intake.rules(), receivedAt);
    if (batch.validCount() < events.size()) {
      LOG.debug("telemetry from {} ({}): {} of {} events refused", instanceId, address,
          events.size() - batch.validCount(), events.size());
    }
    intake.admit(batch, null, address);
    List<String> ids = batch.valid().stream().map(Ping::getPingId).toList();
    return intake.store(batch, null, receivedAt).thenApply(result -> ids);
  }

  /** A stage of {@link #tail}: the answer to one events message, or the end of the call when it failed. */
  private Void answer(List<String> ids, Throwable failure) {
    if (failure == null) {
      emit(() -> responses.onNext(RecordEventsResponse.newBuilder().addAllSucceededEvents(ids).build()), false);
    } else {
      refused = true;
      StatusRuntimeException status = GrpcStatuses.of(failure);
      emit(() -> responses.onError(status), true);
    }
    boolean more;
    synchronized (this) {
      unanswered--;
      more = requestHeld && !refused && !ended;
      requestHeld &= !more;
    }
    if (more) {
      responses.request(1);
    }
    return null;
  }

  /** Ends the call with {@code status} once the answers before it are sent; reads nothing more. */
  private void refuse(Status status) {
    refused = true;
    tail = tail.thenRun(() -> emit(() -> responses.onError(status.asRuntimeException()), true));
  }

  /**
   * Calls {@code responses} from a stage of {@link #tail} unless the call is over; {@code closes}
   * when the call sends the status. A client that goes away between the check and the call makes
   * gRPC throw: that ends the call quietly, and a stage never throws, which would skip the stages
   * after it.
   */
  private void emit(Runnable send, boolean closes) {
    if (ended || responses.isCancelled()) {
      ended = true;
      return;
    }
    try {
      send.run();
    } catch (RuntimeException e) {
      ended = true;
      LOG.debug("telemetry stream from {} ended while answering: {}", address, e.toString());
    }
    if (closes) {
      ended = true;
    }
  }
}
