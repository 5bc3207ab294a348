package io.pingstack.query;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.HttpReply;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A {@code 200 application/json} answer written with Jackson's streaming generator, straight into bytes. */
final class JsonReply {
  private static final JsonFactory JSON = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

  /** Writes one JSON document; the generator is closed by the caller. */
  @FunctionalInterface
  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private JsonReply() {}

  /** {@code sizeHint}: the expected length in bytes, so the buffer rarely grows. */
  static HttpReply ok(int sizeHint, Body body) {
    ByteArrayBuilder out = new ByteArrayBuilder(sizeHint);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a JSON answer to memory", e);
    }
    return new HttpReply(HttpResponseStatus.OK, "application/json", out.toByteArray());
  }

  /** A time as RFC 3339 UTC; {@code scratch} is a buffer of at least 32 chars the caller reuses. */
  static void time(JsonGenerator g, long epochMillis, char[] scratch) throws IOException {
    g.writeString(scratch, 0, Times.format(epochMillis, scratch));
  }
}
