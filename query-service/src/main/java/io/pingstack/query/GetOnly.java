package io.pingstack.query;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.util.concurrent.CompletableFuture;

/**
 * Lets only {@code GET} through to a read-only endpoint: any other method, {@code HEAD} included,
 * is {@code 405 method_not_allowed}, decided from the headers before a body is read. Query
 * endpoints read no body, so any body byte is refused ({@code 413}) rather than buffered.
 */
final class GetOnly implements HttpEndpoint {
  private final String path;
  private final HttpEndpoint endpoint;

  GetOnly(String path, HttpEndpoint endpoint) {
    this.path = path;
    this.endpoint = endpoint;
  }

  @Override
  public long maxBodyBytes() {
    return 0;
  }

  @Override
  public ApiException precheck(HttpRequest request) {
    return HttpMethod.GET.equals(request.method()) ? endpoint.precheck(request) : refusal();
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    if (!HttpMethod.GET.equals(call.method())) {
      throw refusal();
    }
    return endpoint.handle(call);
  }

  private ApiException refusal() {
    return new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use GET for " + path);
  }
}
