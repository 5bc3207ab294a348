package io.pingstack.query;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

/**
 * Requires {@code Authorization: Bearer <token>} before an endpoint runs (the query token before
 * the query endpoints, the admin token before {@code /admin/*}): a missing, malformed or different
 * token is {@code 401 unauthorized}, decided from the headers before a body is read. The comparison
 * takes the same time wherever the presented token differs.
 */
public final class BearerAuth implements HttpEndpoint {
  private static final String SCHEME = "Bearer ";

  private final String kind;
  private final byte[] token;
  private final HttpEndpoint endpoint;

  /** {@code kind} names the token in refusals: "query", "admin". */
  public BearerAuth(String kind, String token, HttpEndpoint endpoint) {
    this.kind = kind;
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.endpoint = endpoint;
  }

  @Override
  public long maxBodyBytes() {
    return endpoint.maxBodyBytes();
  }

  @Override
  public ApiException precheck(HttpRequest request) {
    ApiException refusal = check(request.headers());
    return refusal != null ? refusal : endpoint.precheck(request);
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    ApiException refusal = check(call.headers());
    if (refusal != null) {
      throw refusal;
    }
    return endpoint.handle(call);
  }

  private ApiException check(HttpHeaders headers) {
    String header = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return new ApiException(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
          (kind.equals("admin") ? "an " : "a ") + kind + " token is required: Authorization: Bearer <token>");
    }
    byte[] presented = header.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
    // MessageDigest.isEqual's time depends on the presented length only, not on where bytes differ.
    if (!MessageDigest.isEqual(presented, token)) {
      return new ApiException(HttpResponseStatus.UNAUTHORIZED, "unauthorized", "the " + kind + " token is not known");
    }
    return null;
  }
}
