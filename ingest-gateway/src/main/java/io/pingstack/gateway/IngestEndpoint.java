package io.pingstack.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.PingError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/** {@code POST /v1/pings}: API.md section 2, from headers to the acknowledgement after the WAL. */
final class IngestEndpoint implements HttpEndpoint {
  static final String PATH = "/v1/pings";
  private static final JsonFactory JSON = new JsonFactory();

  enum Format {
    PROTOBUF,
    JSON,
    NDJSON
  }

  private final GatewayConfig config;
  private final PingIntake intake;

  IngestEndpoint(PingIntake intake) {
    this.config = intake.config();
    this.intake = intake;
  }

  @Override
  public long maxBodyBytes() {
    return config.maxWireBytes();
  }

  @Override
  public ApiException precheck(HttpRequest request) {
    try {
      if (!HttpMethod.POST.equals(request.method())) {
        return new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use POST for " + PATH);
      }
      intake.authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION));
      format(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
      BodyDecoder.encoding(request.headers().get(HttpHeaderNames.CONTENT_ENCODING));
      long length = HttpUtil.getContentLength(request, -1L);
      if (length > config.maxWireBytes()) {
        return new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
            "the body is over the limit of " + config.maxWireBytes() + " bytes");
      }
      return null;
    } catch (ApiException e) {
      return e;
    }
  }

  static Format format(String contentType) {
    String mime = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return switch (mime) {
      case "application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf" -> Format.PROTOBUF;
      case "application/json" -> Format.JSON;
      case "application/x-ndjson", "application/ndjson", "application/jsonl" -> Format.NDJSON;
      default -> throw new ApiException(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
          "Content-Type must be application/x-protobuf, application/json or application/x-ndjson");
    };
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    long receivedAt = System.currentTimeMillis();
    IngestToken token = intake.authenticate(call.headers().get(HttpHeaderNames.AUTHORIZATION));
    Format format = format(call.headers().get(HttpHeaderNames.CONTENT_TYPE));
    BodyDecoder.Encoding encoding = BodyDecoder.encoding(call.headers().get(HttpHeaderNames.CONTENT_ENCODING));
    // Inflating may take up to the decompressed limit: reserve it first, keep what the body really
    // needs until the answer. The wire bytes are already counted by the connection.
    long inflating = encoding == BodyDecoder.Encoding.IDENTITY ? 0 : config.maxDecompressedBytes();
    if (!intake.budget().tryReserve(inflating)) {
      throw ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded",
          "too many request bytes are being processed; retry shortly", 1);
    }
    byte[] body;
    try {
      body = BodyDecoder.decode(encoding, call.body(), config.maxDecompressedBytes());
    } catch (RuntimeException e) {
      intake.budget().release(inflating);
      throw e;
    }
    long extra = inflating == 0 ? 0 : body.length;
    intake.budget().release(inflating - extra);
    try {
      return ingest(call, token, format, body, receivedAt).whenComplete((r, e) -> intake.budget().release(extra));
    } catch (RuntimeException e) {
      intake.budget().release(extra);
      throw e;
    }
  }

  private CompletableFuture<HttpReply> ingest(HttpCall call, IngestToken token, Format format, byte[] body, long receivedAt) {
    DecodedBatch batch = intake.decode(format, body, receivedAt);
    intake.admit(batch, token, call.remoteHost());
    PingIntake.requireValid(batch);
    boolean protobufReply = wantsProtobuf(call, format);
    return intake.store(batch, token, receivedAt).thenApply(result -> protobufReply ? protobuf(result) : json(result));
  }

  private static boolean wantsProtobuf(HttpCall call, Format format) {
    String accept = call.headers().get(HttpHeaderNames.ACCEPT);
    return format == Format.PROTOBUF && accept != null && accept.toLowerCase(Locale.ROOT).contains("application/x-protobuf");
  }

  private static HttpReply protobuf(IngestResult result) {
    return new HttpReply(HttpResponseStatus.OK, "application/x-protobuf", response(result).toByteArray());
  }

  /** The outcome as an {@code IngestResponse} message. */
  static IngestResponse response(IngestResult result) {
    IngestResponse.Builder response = IngestResponse.newBuilder()
        .setAccepted(result.accepted())
        .setDuplicates(result.duplicates())
        .setRejected(result.rejected().size());
    for (DecodedBatch.Rejected r : result.rejected()) {
      response.addErrors(PingError.newBuilder().setIndex(r.index()).setPingId(r.pingId()).setReason(r.reason().code()));
    }
    return response.build();
  }

  private static HttpReply json(IngestResult result) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 64 * result.rejected().size());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("accepted", result.accepted());
      g.writeNumberField("duplicates", result.duplicates());
      g.writeNumberField("rejected", result.rejected().size());
      g.writeFieldName("errors");
      writeErrors(g, result.rejected());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new HttpReply(HttpResponseStatus.OK, "application/json", out.toByteArray());
  }

  static void writeErrors(JsonGenerator g, java.util.List<DecodedBatch.Rejected> rejected) throws IOException {
    g.writeStartArray();
    for (DecodedBatch.Rejected r : rejected) {
      g.writeStartObject();
      g.writeNumberField("index", r.index());
      g.writeStringField("ping_id", r.pingId());
      g.writeStringField("reason", r.reason().code());
      g.writeEndObject();
    }
    g.writeEndArray();
  }
}
