package io.pingstack.load;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoUtils;
import io.pingstack.model.proto.IngestResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The two methods of {@code pingstack.v1.IngestService} (ingest-gateway's
 * {@code pingstack/v1/ingest_service.proto}) as the generator calls them. A request is the
 * serialized {@code PingBatch} that {@link PingBodies} writes, handed to gRPC as bytes: no protobuf
 * message is built per request, and gRPC's framer copies the bytes into its buffer once. Declared
 * here rather than taken from the gateway's generated stub, so that the load tools depend on
 * nothing of the server.
 */
final class GrpcIngestMethods {
  static final String SERVICE = "pingstack.v1.IngestService";

  private static final MethodDescriptor.Marshaller<byte[]> BATCH_BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] batch) {
      return new BatchStream(batch);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** Request arrays are never modified once handed to a call (gRPC may read them later). */
  static final MethodDescriptor<byte[], IngestResponse> INGEST = method(MethodType.UNARY, "Ingest");
  static final MethodDescriptor<byte[], IngestResponse> INGEST_STREAM = method(MethodType.CLIENT_STREAMING, "IngestStream");

  private GrpcIngestMethods() {}

  private static MethodDescriptor<byte[], IngestResponse> method(MethodType type, String name) {
    return MethodDescriptor.<byte[], IngestResponse>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BATCH_BYTES)
        .setResponseMarshaller(ProtoUtils.marshaller(IngestResponse.getDefaultInstance()))
        .build();
  }

  /**
   * A request's bytes: its length is known up front and it drains into gRPC's buffer in one write,
   * where a plain stream would be read through a temporary array.
   */
  private static final class BatchStream extends ByteArrayInputStream implements KnownLength, Drainable {
    BatchStream(byte[] batch) {
      super(batch);
    }

    @Override
    public synchronized int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
