package io.pingstack.query;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /}: the built-in dashboard, one self-contained page (inline script and style, no
 * other host contacted) read once from the classpath. The page holds no data, so it is served
 * without the query token; its own calls to the query endpoints send the token the user enters.
 * Query parameters are ignored.
 */
final class DashboardEndpoint implements HttpEndpoint {
  static final String PATH = "/";
  static final String RESOURCE = "dashboard.html";

  private final HttpReply page;

  DashboardEndpoint() {
    this.page = new HttpReply(HttpResponseStatus.OK, "text/html; charset=utf-8", load());
  }

  private static byte[] load() {
    try (InputStream in = DashboardEndpoint.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("dashboard page " + RESOURCE + " is missing from the classpath next to "
            + DashboardEndpoint.class.getName());
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read dashboard page " + RESOURCE, e);
    }
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    return CompletableFuture.completedFuture(page);
  }
}
