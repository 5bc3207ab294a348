package io.pingstack.gateway;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.proto.IngestResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One {@code IngestStream} call: each batch is stored as it arrives (its own WAL record), and the
 * one response, sent after the client half-closes and every batch is durable, sums the outcomes;
 * error indexes count pings from the start of the stream. At most {@code maxPending} batches are
 * being stored at once: until one completes the client is not asked for more (gRPC flow control),
 * so a fast client cannot make the server hold unbounded work. The first failure ends the call
 * with its status; batches already stored stay stored, and a client retry finds them duplicates.
 */
final class GrpcIngestStream implements StreamObserver<byte[]> {
  private final ServerCallStreamObserver<IngestResponse> call;
  private final GrpcIngest ingest;
  private final IngestToken token;
  private final String address;
  private final int maxPending;
  private boolean closed;
  private boolean halfClosed;
  private boolean holding;
  private int pending;
  private int pings;
  private IngestResult total = new IngestResult(0, 0, List.of());

  GrpcIngestStream(ServerCallStreamObserver<IngestResponse> call, GrpcIngest ingest, IngestToken token, String address,
      int maxPending, boolean closed) {
    this.call = call;
    this.ingest = ingest;
    this.token = token;
    this.address = address;
    this.maxPending = maxPending;
    this.closed = closed;
  }

  @Override
  public synchronized void onNext(byte[] batch) {
    if (closed) {
      return;
    }
    GrpcIngest.Pending stored;
    try {
      stored = ingest.store(batch, token, address, pings, false);
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    pings += stored.pings();
    pending++;
    var unused = stored.result().whenComplete(this::stored); // stored() answers; nothing reads what it returns
    if (pending < maxPending) {
      call.request(1);
    } else {
      holding = true;
    }
  }

  private synchronized void stored(IngestResult result, Throwable error) {
    pending--;
    if (closed) {
      return;
    }
    if (error != null) {
      fail(error);
      return;
    }
    total = total.plus(result);
    if (halfClosed && pending == 0) {
      finish();
    } else if (holding && !halfClosed) {
      holding = false;
      call.request(1);
    }
  }

  /** The client cancelled or the call broke: nothing more is stored, nothing is answered. */
  @Override
  public synchronized void onError(Throwable t) {
    closed = true;
  }

  @Override
  public synchronized void onCompleted() {
    if (closed) {
      return;
    }
    halfClosed = true;
    if (pending == 0) {
      finish();
    }
  }

  private void finish() {
    closed = true;
    List<DecodedBatch.Rejected> rejected = new ArrayList<>(total.rejected());
    rejected.sort(Comparator.comparingInt(DecodedBatch.Rejected::index));
    if (pings == 0) {
      call.onError(GrpcStatuses.of(new ApiException(HttpResponseStatus.BAD_REQUEST, "empty_batch", "the stream held no pings")));
    } else if (rejected.size() == pings) {
      call.onError(GrpcStatuses.of(new ApiException(HttpResponseStatus.BAD_REQUEST, "all_pings_invalid",
          "every ping in the stream is invalid; see errors", 0, rejected)));
    } else {
      call.onNext(IngestEndpoint.response(new IngestResult(total.accepted(), total.duplicates(), rejected)));
      call.onCompleted();
    }
  }

  private void fail(Throwable error) {
    closed = true;
    call.onError(GrpcStatuses.of(error));
  }
}
