package io.pingstack.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.google.protobuf.Timestamp;
import io.pingstack.model.proto.Ping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Decodes {@code application/json} ({@code {"pings": [...]}}) and {@code application/x-ndjson} (one
 * ping object per line) bodies. Streaming: no tree is built, nesting depth, number and string sizes
 * are bounded, and a duplicate key makes the document malformed. A field of the wrong type refuses
 * that ping with its own reason; the rest of the batch is still read. {@code payload} is kept as the
 * exact bytes the client sent.
 */
public final class JsonPings {
  /**
   * The JSON reader of every ingest body: bounded nesting, numbers, names and strings, and a
   * duplicate key is an error. Protocol adapters read with it so that what they accept is a valid payload.
   */
  public static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(64)
          .maxNumberLength(100)
          .maxNameLength(4096)
          .maxStringLength(1 << 20)
          .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private JsonPings() {}

  /** Decodes {@code {"pings": [ ... ]}}; other top-level keys are ignored. */
  public static DecodedBatch decodeJson(byte[] body, int offset, int length, PingRules rules, long nowMillis, int maxPings)
      throws MalformedBodyException, TooManyPingsException {
    DecodedBatch decoded = new DecodedBatch();
    boolean sawPings = false;
    try (JsonParser p = FACTORY.createParser(body, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedBodyException("the body must be a JSON object with a \"pings\" array");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!"pings".equals(name)) {
          p.skipChildren();
          continue;
        }
        if (value != JsonToken.START_ARRAY) {
          throw new MalformedBodyException("\"pings\" must be an array");
        }
        sawPings = true;
        int index = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (index == maxPings) {
            throw new TooManyPingsException(maxPings);
          }
          readPing(p, body, offset).fileInto(decoded, index++, rules, nowMillis);
        }
      }
      if (p.nextToken() != null) {
        throw new MalformedBodyException("unexpected content after the JSON object");
      }
    } catch (IOException e) {
      throw new MalformedBodyException("the body is not valid JSON: " + describe(e));
    }
    if (!sawPings) {
      throw new MalformedBodyException("the body must be a JSON object with a \"pings\" array");
    }
    return decoded;
  }

  /**
   * Decodes newline-delimited JSON: one ping object per line, blank lines skipped. A line that is not
   * a JSON object refuses that ping ({@code malformed_ping}); the other lines are still read.
   */
  public static DecodedBatch decodeNdjson(byte[] body, int offset, int length, PingRules rules, long nowMillis, int maxPings)
      throws TooManyPingsException {
    DecodedBatch decoded = new DecodedBatch();
    int end = offset + length;
    int index = 0;
    for (int lineStart = offset; lineStart < end; ) {
      int lineEnd = lineStart;
      while (lineEnd < end && body[lineEnd] != '\n') {
        lineEnd++;
      }
      if (!isBlank(body, lineStart, lineEnd)) {
        if (index == maxPings) {
          throw new TooManyPingsException(maxPings);
        }
        readLine(body, lineStart, lineEnd - lineStart, index++, decoded, rules, nowMillis);
      }
      lineStart = lineEnd + 1;
    }
    return decoded;
  }

  private static void readLine(byte[] body, int offset, int length, int index, DecodedBatch decoded,
      PingRules rules, long nowMillis) {
    try (JsonParser p = FACTORY.createParser(body, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        decoded.addRejected(index, "", Reason.MALFORMED_PING);
        return;
      }
      Read ping = readPing(p, body, offset);
      if (p.nextToken() != null) {
        throw new MalformedBodyException("trailing content");
      }
      ping.fileInto(decoded, index, rules, nowMillis);
    } catch (IOException | MalformedBodyException e) {
      decoded.addRejected(index, "", Reason.MALFORMED_PING);
    }
  }

  /** One ping as read: refused while decoding when {@code reason} is set, otherwise still to be validated. */
  private record Read(Ping ping, Reason reason) {
    void fileInto(DecodedBatch decoded, int index, PingRules rules, long nowMillis) {
      if (reason != null) {
        decoded.addRejected(index, ping.getPingId(), reason);
      } else {
        decoded.add(index, ping, rules, nowMillis);
      }
    }
  }

  /**
   * Reads one ping; the parser stands on its first token and is left on its last. Files nothing, so that an
   * NDJSON line with trailing content is refused once, as malformed, rather than also filed as read.
   */
  private static Read readPing(JsonParser p, byte[] body, int baseOffset) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return new Read(Ping.getDefaultInstance(), Reason.MALFORMED_PING);
    }
    Ping.Builder ping = Ping.newBuilder();
    Reason reason = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      Reason fieldReason = value == JsonToken.VALUE_NULL ? null : switch (name) {
        case "ping_id" -> string(p, Reason.INVALID_PING_ID, ping::setPingId);
        case "instance_id" -> string(p, Reason.INVALID_INSTANCE_ID, ping::setInstanceId);
        case "event" -> string(p, Reason.INVALID_EVENT, ping::setEvent);
        case "version" -> string(p, Reason.INVALID_VERSION, ping::setVersion);
        case "deploy_type" -> string(p, Reason.INVALID_DEPLOY_TYPE, ping::setDeployType);
        case "timestamp" -> timestamp(p, ping);
        case "metrics" -> metrics(p, ping);
        case "dimensions" -> dimensions(p, ping);
        case "payload" -> payload(p, body, baseOffset, ping);
        default -> {
          p.skipChildren();
          yield null;
        }
      };
      if (reason == null) {
        reason = fieldReason;
      }
    }
    return new Read(ping.build(), reason);
  }

  private interface StringSetter {
    Object set(String value);
  }

  private static Reason string(JsonParser p, Reason wrongType, StringSetter setter) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      p.skipChildren();
      return wrongType;
    }
    setter.set(p.getText());
    return null;
  }

  private static Reason timestamp(JsonParser p, Ping.Builder ping) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      p.skipChildren();
      return Reason.INVALID_TIMESTAMP;
    }
    try {
      var instant = OffsetDateTime.parse(p.getText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      ping.setTimestamp(Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()));
      return null;
    } catch (DateTimeParseException e) {
      return Reason.INVALID_TIMESTAMP;
    }
  }

  private static Reason metrics(JsonParser p, Ping.Builder ping) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return Reason.INVALID_METRICS;
    }
    Reason reason = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
        ping.putMetrics(key, p.getDoubleValue());
      } else {
        p.skipChildren();
        reason = reason == null ? Reason.INVALID_METRIC_VALUE : reason;
      }
    }
    return reason;
  }

  private static Reason dimensions(JsonParser p, Ping.Builder ping) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return Reason.INVALID_DIMENSIONS;
    }
    Reason reason = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (p.nextToken() == JsonToken.VALUE_STRING) {
        ping.putDimensions(key, p.getText());
      } else {
        p.skipChildren();
        reason = reason == null ? Reason.INVALID_DIMENSION_VALUE : reason;
      }
    }
    return reason;
  }

  private static Reason payload(JsonParser p, byte[] body, int baseOffset, Ping.Builder ping) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return Reason.INVALID_PAYLOAD;
    }
    long start = p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    if (start < 0) {
      // Only a UTF-8 body has byte offsets (Jackson decodes UTF-16/32 through a Reader): the payload cannot be
      // kept verbatim.
      return Reason.MALFORMED_PING;
    }
    long end = p.currentTokenLocation().getByteOffset() + 1;
    if (end - start > PingRules.MAX_PAYLOAD_BYTES) {
      return Reason.PAYLOAD_TOO_LARGE;
    }
    ping.setPayload(new String(body, baseOffset + (int) start, (int) (end - start), StandardCharsets.UTF_8));
    return null;
  }

  private static boolean isBlank(byte[] body, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = body[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  /** A description of a parse failure that names the place, never the input. */
  private static String describe(IOException e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null) {
      return "error at byte " + jpe.getLocation().getByteOffset();
    }
    return "unreadable";
  }
}
