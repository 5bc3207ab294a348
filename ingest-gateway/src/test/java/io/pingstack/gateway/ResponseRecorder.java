package io.pingstack.gateway;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.telemetry.RecordEventsResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The client's side of one RecordEvents call: each response as it arrives, then the status. Waits time out. */
final class ResponseRecorder implements StreamObserver<RecordEventsResponse> {
  private static final long TIMEOUT_SECONDS = 10;

  private final BlockingQueue<RecordEventsResponse> arrived = new LinkedBlockingQueue<>();
  private final List<RecordEventsResponse> taken = new ArrayList<>();
  private final CompletableFuture<Status> status = new CompletableFuture<>();

  @Override
  public void onNext(RecordEventsResponse response) {
    arrived.add(response);
  }

  @Override
  public void onError(Throwable t) {
    status.complete(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    status.complete(Status.OK);
  }

  /** The next response, waiting for it. */
  RecordEventsResponse next() throws InterruptedException {
    RecordEventsResponse response = arrived.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (response == null) {
      throw new AssertionError("no response within " + TIMEOUT_SECONDS + " s; status: " + status.getNow(null));
    }
    taken.add(response);
    return response;
  }

  /** The status the call ended with, waiting for it. */
  Status status() throws InterruptedException, ExecutionException, TimeoutException {
    return status.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  boolean ended() {
    return status.isDone();
  }

  /** Every response of the call, in order: waits for the status first. */
  List<RecordEventsResponse> responses() throws InterruptedException, ExecutionException, TimeoutException {
    status();
    arrived.drainTo(taken);
    return List.copyOf(taken);
  }

  /** The ids of each response, in order: waits for the status first. */
  List<List<String>> answers() throws InterruptedException, ExecutionException, TimeoutException {
    return responses().stream().map(r -> List.copyOf(r.getSucceededEventsList())).toList();
  }

  /** Every acknowledged id, in order: waits for the status first. */
  List<String> acknowledged() throws InterruptedException, ExecutionException, TimeoutException {
    return responses().stream().flatMap(r -> r.getSucceededEventsList().stream()).toList();
  }
}
