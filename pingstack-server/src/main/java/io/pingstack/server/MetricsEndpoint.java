package io.pingstack.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}, scraped on a thread of its own: a scrape takes milliseconds (every gauge
 * asks its component, the text is written out), and on an event loop it would hold up the ingest
 * requests of every connection that loop serves. Requests that arrive while a scrape runs share the
 * next one, so each answer is read after its request arrived and at most two scrapes are pending
 * however many scrapers ask at once.
 */
final class MetricsEndpoint implements HttpEndpoint, AutoCloseable {
  private final String contentType;
  private final Supplier<byte[]> scrape;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "pingstack-metrics");
    t.setDaemon(true);
    return t;
  });
  /** The scrape queued behind the running one, which later requests join; null when none is queued. */
  private CompletableFuture<HttpReply> queued;

  MetricsEndpoint(String contentType, Supplier<byte[]> scrape) {
    this.contentType = contentType;
    this.scrape = scrape;
  }

  @Override
  public synchronized CompletableFuture<HttpReply> handle(HttpCall call) {
    if (queued == null) {
      CompletableFuture<HttpReply> next = new CompletableFuture<>();
      try {
        executor.execute(() -> run(next));
      } catch (RejectedExecutionException e) {
        return CompletableFuture.failedFuture(
            new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting_down", "the service is stopping"));
      }
      queued = next;
    }
    return queued;
  }

  private void run(CompletableFuture<HttpReply> reply) {
    synchronized (this) {
      if (queued == reply) {
        queued = null;
      }
    }
    try {
      reply.complete(new HttpReply(HttpResponseStatus.OK, contentType, scrape.get()));
    } catch (RuntimeException | Error e) {
      reply.completeExceptionally(e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
