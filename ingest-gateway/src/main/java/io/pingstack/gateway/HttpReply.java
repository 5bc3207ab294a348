package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/** A complete response. A 204 is sent without {@code Content-Type} and {@code Content-Length}, whatever they hold. */
public record HttpReply(HttpResponseStatus status, String contentType, byte[] body) {
  public static HttpReply noContent() {
    return new HttpReply(HttpResponseStatus.NO_CONTENT, null, new byte[0]);
  }

  public static HttpReply json(HttpResponseStatus status, String json) {
    return new HttpReply(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  public static HttpReply text(HttpResponseStatus status, String contentType, String text) {
    return new HttpReply(status, contentType, text.getBytes(StandardCharsets.UTF_8));
  }
}
