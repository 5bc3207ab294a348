package io.pingstack.gateway;

import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.proto.IngestServiceGrpc;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.proto.IngestResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

/**
 * {@code pingstack.v1.IngestService} (API.md section 2): the same validation, durability and
 * outcomes as {@code POST /v1/pings} with a protobuf body, through {@link PingIntake}.
 *
 * <p>Requests are taken off the wire as bytes, not as parsed {@code PingBatch} messages, so the
 * one protobuf decoder of the HTTP path validates them and each valid ping's bytes go to the WAL as
 * they came. A call whose deadline has passed, or that the client cancelled, stores nothing more.
 */
final class GrpcIngest {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    /** gRPC's message streams know their length: one array of that size, one copy. */
    @Override
    public byte[] parse(InputStream stream) {
      try {
        byte[] known = stream.readNBytes(Math.max(0, stream.available()));
        int next = stream.read();
        if (next < 0) {
          return known;
        }
        ByteArrayOutputStream rest = new ByteArrayOutputStream(known.length + 8192);
        rest.write(known);
        rest.write(next);
        stream.transferTo(rest);
        return rest.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor.Marshaller<IngestResponse> RESPONSE =
      io.grpc.protobuf.ProtoUtils.marshaller(IngestResponse.getDefaultInstance());

  static final MethodDescriptor<byte[], IngestResponse> INGEST =
      IngestServiceGrpc.getIngestMethod().toBuilder(BYTES, RESPONSE).build();
  static final MethodDescriptor<byte[], IngestResponse> INGEST_STREAM =
      IngestServiceGrpc.getIngestStreamMethod().toBuilder(BYTES, RESPONSE).build();

  private final PingIntake intake;
  private final int maxPendingBatches;

  GrpcIngest(PingIntake intake, int maxPendingBatches) {
    this.intake = intake;
    this.maxPendingBatches = maxPendingBatches;
  }

  ServerServiceDefinition definition() {
    ServiceDescriptor service = ServiceDescriptor.newBuilder(IngestServiceGrpc.SERVICE_NAME)
        .setSchemaDescriptor(IngestServiceGrpc.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(INGEST)
        .addMethod(INGEST_STREAM)
        .build();
    return ServerServiceDefinition.builder(service)
        .addMethod(INGEST, GrpcCaller.handler(caller -> ServerCalls.asyncUnaryCall((body, response) -> ingest(body, response, caller))))
        .addMethod(INGEST_STREAM, GrpcCaller.handler(caller -> ServerCalls.asyncClientStreamingCall(response -> ingestStream(response, caller))))
        .build();
  }

  private void ingest(byte[] body, StreamObserver<IngestResponse> response, GrpcCaller caller) {
    try {
      IngestToken token = intake.authenticate(caller.authorization());
      // The callback answers the call; what it returns has no reader.
      var unused = store(body, token, caller.address(), 0, true).result().whenComplete((result, error) -> {
        if (error != null) {
          response.onError(GrpcStatuses.of(error));
        } else {
          response.onNext(IngestEndpoint.response(result));
          response.onCompleted();
        }
      });
    } catch (RuntimeException e) {
      response.onError(GrpcStatuses.of(e));
    }
  }

  private StreamObserver<byte[]> ingestStream(StreamObserver<IngestResponse> response, GrpcCaller caller) {
    ServerCallStreamObserver<IngestResponse> call = (ServerCallStreamObserver<IngestResponse>) response;
    call.disableAutoRequest();
    IngestToken token;
    try {
      token = intake.authenticate(caller.authorization());
    } catch (RuntimeException e) {
      call.onError(GrpcStatuses.of(e));
      return new GrpcIngestStream(call, this, null, caller.address(), maxPendingBatches, true);
    }
    GrpcIngestStream stream = new GrpcIngestStream(call, this, token, caller.address(), maxPendingBatches, false);
    call.request(1);
    return stream;
  }

  /** A batch of {@code pings} pings being stored. */
  record Pending(int pings, CompletableFuture<IngestResult> result) {}

  /**
   * Decodes, admits and stores one batch whose first ping is ping {@code firstIndex} of its call.
   * {@code whole} applies the 400s of a request with no valid ping (a unary call); a stream batch
   * may hold only invalid pings. Holds the body's bytes in the in-flight budget until it is stored.
   */
  Pending store(byte[] body, IngestToken token, String address, int firstIndex, boolean whole) {
    long receivedAt = System.currentTimeMillis();
    if (!intake.budget().tryReserve(body.length)) {
      throw ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded",
          "too many request bytes are being processed; retry shortly", 1);
    }
    try {
      DecodedBatch batch = intake.decode(IngestEndpoint.Format.PROTOBUF, body, receivedAt);
      intake.admit(batch, token, address);
      if (whole) {
        PingIntake.requireValid(batch);
      }
      if (Context.current().isCancelled()) {
        throw ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "cancelled",
            "the call was cancelled or its deadline passed before its pings were stored", 1);
      }
      return new Pending(batch.total(), intake.store(batch, token, receivedAt)
          .thenApply(result -> firstIndex == 0 ? result : result.shifted(firstIndex))
          .whenComplete((result, error) -> intake.budget().release(body.length)));
    } catch (RuntimeException e) {
      intake.budget().release(body.length);
      throw e;
    }
  }
}
