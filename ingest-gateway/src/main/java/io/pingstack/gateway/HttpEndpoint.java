package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Serves one path. Failures are {@link ApiException}s (thrown or completing the future); anything
 * else is answered 500 and logged.
 */
public interface HttpEndpoint {
  /** Largest body this endpoint reads, in bytes as received. */
  default long maxBodyBytes() {
    return 64 * 1024;
  }

  /** Checks what the headers alone can tell before the body is read; returns the refusal or null. */
  default ApiException precheck(HttpRequest request) {
    return null;
  }

  CompletableFuture<HttpReply> handle(HttpCall call);
}
