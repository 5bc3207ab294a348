package io.pingstack.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.pingstack.model.proto.IngestResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Reads the per-ping outcome counts of a 200 answer to {@code POST /v1/pings}: an
 * {@code IngestResponse} message when the server honoured {@code Accept: application/x-protobuf},
 * otherwise the JSON object {@code {"accepted": n, "duplicates": d, "rejected": r, ...}}.
 */
final class Answers {
  private static final JsonFactory JSON = new JsonFactory();

  private Answers() {}

  /** Returns the outcome counts; throws when the body is neither form. */
  static IngestResponse parse(String contentType, ByteBuf body) throws IOException {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    if (type.startsWith("application/x-protobuf") || type.startsWith("application/protobuf")) {
      return IngestResponse.parseFrom(body.nioBuffer());
    }
    if (type.startsWith("application/json")) {
      try (InputStream in = new ByteBufInputStream(body.duplicate())) {
        return parseJson(in);
      }
    }
    throw new IOException("unexpected Content-Type of a 200 answer: " + contentType);
  }

  private static IngestResponse parseJson(InputStream in) throws IOException {
    IngestResponse.Builder counts = IngestResponse.newBuilder();
    boolean sawAccepted = false;
    try (JsonParser json = JSON.createParser(in)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("the answer is not a JSON object");
      }
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String name = json.currentName();
        JsonToken value = json.nextToken();
        if (value == JsonToken.VALUE_NUMBER_INT && "accepted".equals(name)) {
          counts.setAccepted(json.getIntValue());
          sawAccepted = true;
        } else if (value == JsonToken.VALUE_NUMBER_INT && "duplicates".equals(name)) {
          counts.setDuplicates(json.getIntValue());
        } else if (value == JsonToken.VALUE_NUMBER_INT && "rejected".equals(name)) {
          counts.setRejected(json.getIntValue());
        } else {
          json.skipChildren();
        }
      }
    }
    if (!sawAccepted) {
      throw new IOException("the JSON answer has no \"accepted\" count");
    }
    return counts.build();
  }
}
