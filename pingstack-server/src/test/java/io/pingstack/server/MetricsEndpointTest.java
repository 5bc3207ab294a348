package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpReply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  private static final HttpCall GET = new HttpCall(HttpMethod.GET, "/metrics", Map.of(), new DefaultHttpHeaders(), new byte[0], "127.0.0.1");

  /** A scrape that waits for {@link #release}, answering with its own number. */
  private static final class HeldScrape {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch started = new CountDownLatch(1);
    final AtomicInteger scrapes = new AtomicInteger();
    volatile Thread thread;

    byte[] scrape() {
      thread = Thread.currentThread();
      int n = scrapes.incrementAndGet();
      started.countDown();
      try {
        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ("scrape " + n).getBytes(StandardCharsets.UTF_8);
    }
  }

  private static String body(CompletableFuture<HttpReply> reply) throws Exception {
    HttpReply r = reply.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(HttpResponseStatus.OK);
    assertThat(r.contentType()).isEqualTo("text/plain");
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void theScrapeRunsOffTheCallersThreadWhichIsNotHeldUp() throws Exception {
    HeldScrape held = new HeldScrape();
    try (MetricsEndpoint endpoint = new MetricsEndpoint("text/plain", held::scrape)) {
      // The caller is an event loop: it must get its future back while the scrape still runs.
      CompletableFuture<HttpReply> reply = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> endpoint.handle(GET));
      assertThat(held.started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(reply).isNotDone();
      assertThat(held.thread).isNotSameAs(Thread.currentThread());
      assertThat(held.thread.getName()).isEqualTo("pingstack-metrics");

      held.release.countDown();
      assertThat(body(reply)).isEqualTo("scrape 1");
    }
  }

  @Test
  void requestsDuringAScrapeShareTheNextOneWhichStartsAfterThem() throws Exception {
    HeldScrape held = new HeldScrape();
    try (MetricsEndpoint endpoint = new MetricsEndpoint("text/plain", held::scrape)) {
      CompletableFuture<HttpReply> first = endpoint.handle(GET);
      assertThat(held.started.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<HttpReply> second = endpoint.handle(GET);
      CompletableFuture<HttpReply> third = endpoint.handle(GET);
      assertThat(third).isSameAs(second).isNotSameAs(first);

      held.release.countDown();
      assertThat(body(first)).isEqualTo("scrape 1");
      assertThat(body(second)).isEqualTo("scrape 2");
      assertThat(held.scrapes).hasValue(2);
      // Once that one ran, the next request gets a scrape of its own.
      assertThat(body(endpoint.handle(GET))).isEqualTo("scrape 3");
    }
  }

  @Test
  void aFailedScrapeFailsItsRequestsAndTheNextRequestScrapesAgain() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (MetricsEndpoint endpoint = new MetricsEndpoint("text/plain", () -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("a gauge failed");
      }
      return "ok".getBytes(StandardCharsets.UTF_8);
    })) {
      CompletableFuture<HttpReply> failed = endpoint.handle(GET);
      assertThat(failed).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(IllegalStateException.class);
      assertThat(body(endpoint.handle(GET))).isEqualTo("ok");
    }
  }

  @Test
  void afterCloseARequestIsRefusedWithServiceUnavailable() {
    MetricsEndpoint endpoint = new MetricsEndpoint("text/plain", () -> new byte[0]);
    endpoint.close();
    assertThat(endpoint.handle(GET)).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOfSatisfying(ApiException.class,
            e -> assertThat(e.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE));
  }
}
