package io.pingstack.query;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;

/** Builds calls as the gateway does (query decoded by Netty) and collects answers, errors included. */
final class Calls {
  private Calls() {}

  /** The outcome of one call: status, content type and body, or an error's code and message. */
  record Answer(int status, String contentType, String body, String code, String message) {
    static Answer of(HttpReply reply) {
      return new Answer(reply.status().code(), reply.contentType(), new String(reply.body(), StandardCharsets.UTF_8), null, null);
    }

    static Answer of(ApiException e) {
      return new Answer(e.status().code(), null, null, e.code(), e.getMessage());
    }
  }

  static HttpCall get(String uri) {
    return call(HttpMethod.GET, uri, null);
  }

  static HttpCall call(HttpMethod method, String uri, String bearer) {
    QueryStringDecoder decoded = new QueryStringDecoder(uri);
    return new HttpCall(method, decoded.path(), decoded.parameters(), headers(bearer), new byte[0], "127.0.0.1");
  }

  static HttpRequest request(HttpMethod method, String uri, String bearer) {
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, headers(bearer));
  }

  private static HttpHeaders headers(String bearer) {
    HttpHeaders headers = new DefaultHttpHeaders();
    if (bearer != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + bearer);
    }
    return headers;
  }

  /** Calls {@code endpoint} and waits for its answer, whether it throws or fails its future. */
  static Answer answer(HttpEndpoint endpoint, HttpCall call) {
    try {
      return Answer.of(endpoint.handle(call).join());
    } catch (ApiException e) {
      return Answer.of(e);
    } catch (CompletionException e) {
      if (e.getCause() instanceof ApiException api) {
        return Answer.of(api);
      }
      throw e;
    }
  }
}
