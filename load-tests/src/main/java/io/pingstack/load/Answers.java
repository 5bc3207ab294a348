package io.pingstack.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.PingError;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Reads the per-ping outcomes of a 200 answer to {@code POST /v1/pings}: an {@code IngestResponse}
 * message when the server honoured {@code Accept: application/x-protobuf}, otherwise the JSON object
 * {@code {"accepted": n, "duplicates": d, "rejected": r, "errors": [{"index": i, "ping_id": "...",
 * "reason": "..."}]}}.
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
        } else if (value == JsonToken.START_ARRAY && "errors".equals(name)) {
          for (JsonToken element = json.nextToken(); element != JsonToken.END_ARRAY; element = json.nextToken()) {
            if (element == null) {
              throw new IOException("the JSON answer ends inside \"errors\"");
            }
            counts.addErrors(element == JsonToken.START_OBJECT ? parseError(json) : unplaced(json));
          }
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

  /** An element of {@code errors} that is not an object: it names no ping. */
  private static PingError unplaced(JsonParser json) throws IOException {
    json.skipChildren();
    return PingError.newBuilder().setIndex(-1).build();
  }

  /**
   * One element of {@code errors}; the parser stands on its start and is left on its end. Without a
   * usable index, the index is {@code 0xFFFFFFFF}, which names no ping of a request.
   */
  private static PingError parseError(JsonParser json) throws IOException {
    PingError.Builder error = PingError.newBuilder().setIndex(-1);
    while (json.nextToken() == JsonToken.FIELD_NAME) {
      String name = json.currentName();
      JsonToken value = json.nextToken();
      if (value == JsonToken.VALUE_NUMBER_INT && "index".equals(name) && json.getValueAsLong() >= 0
          && json.getValueAsLong() <= Integer.MAX_VALUE) {
        error.setIndex(json.getIntValue());
      } else if (value == JsonToken.VALUE_STRING && "ping_id".equals(name)) {
        error.setPingId(json.getText());
      } else if (value == JsonToken.VALUE_STRING && "reason".equals(name)) {
        error.setReason(json.getText());
      } else {
        json.skipChildren();
      }
    }
    return error.build();
  }
}
