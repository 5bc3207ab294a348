package io.pingstack.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.WalUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where failures become HTTP answers (STYLE.md habit 4). */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
  private static final JsonFactory JSON = new JsonFactory();

  private Replies() {}

  /** Classifies any failure of a request. */
  static ApiException classify(Throwable failure) {
    Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (t instanceof ApiException api) {
      return api;
    }
    if (t instanceof WalUnavailableException wal) {
      return ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, wal.reason().code(), wal.getMessage(),
          wal.reason().permanent() ? 30 : 1);
    }
    LOG.error("request failed unexpectedly", t);
    return new ApiException(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error", "the server failed to handle the request");
  }

  /** {@code {"error": {"code", "message"}}}, plus {@code errors} for a batch whose every ping was invalid. */
  static byte[] errorBody(ApiException e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("code", e.code());
      g.writeStringField("message", e.getMessage());
      g.writeEndObject();
      if (e.details() instanceof List<?> list) {
        g.writeFieldName("errors");
        @SuppressWarnings("unchecked")
        List<DecodedBatch.Rejected> rejected = (List<DecodedBatch.Rejected>) list;
        IngestEndpoint.writeErrors(g, rejected);
      }
      g.writeEndObject();
    } catch (IOException io) {
      throw new UncheckedIOException(io);
    }
    return out.toByteArray();
  }
}
