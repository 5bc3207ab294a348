package io.pingstack.gateway;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.pingstack.model.DecodedBatch;
import java.util.List;

/**
 * The one place where failures become gRPC statuses, from the same classification as HTTP answers
 * ({@link Replies#classify}). The machine code travels in the {@code pingstack-error-code} trailer
 * and, for retryable refusals, the wait in {@code retry-after} (seconds); a batch refused because
 * every ping was invalid carries its per-ping reasons as an {@code IngestResponse} trailer.
 */
final class GrpcStatuses {
  static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of("pingstack-error-code", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);
  /** For a batch whose every ping was invalid: the {@code IngestResponse} with each ping's reason. */
  static final Metadata.Key<byte[]> INGEST_RESPONSE = Metadata.Key.of("pingstack-ingest-response-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private GrpcStatuses() {}

  static StatusRuntimeException of(Throwable failure) {
    ApiException e = Replies.classify(failure);
    Status status = switch (e.status().code()) {
      case 400, 415 -> Status.INVALID_ARGUMENT;
      case 401 -> Status.UNAUTHENTICATED;
      case 403 -> Status.PERMISSION_DENIED;
      case 413, 429 -> Status.RESOURCE_EXHAUSTED;
      case 503 -> Status.UNAVAILABLE;
      default -> Status.INTERNAL;
    };
    Metadata trailers = new Metadata();
    trailers.put(ERROR_CODE, e.code());
    if (e.retryAfterSeconds() > 0) {
      trailers.put(RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
    }
    if (e.details() instanceof List<?> list) {
      @SuppressWarnings("unchecked")
      List<DecodedBatch.Rejected> rejected = (List<DecodedBatch.Rejected>) list;
      trailers.put(INGEST_RESPONSE, IngestEndpoint.response(new IngestResult(0, 0, rejected)).toByteArray());
    }
    return status.withDescription(e.code() + ": " + e.getMessage()).asRuntimeException(trailers);
  }
}
