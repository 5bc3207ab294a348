package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/** Path to endpoint, and whether the server still takes requests at all. */
final class Router {
  private final Map<String, HttpEndpoint> routes;
  private volatile boolean draining;
  private final java.util.concurrent.atomic.AtomicInteger inflight = new java.util.concurrent.atomic.AtomicInteger();

  Router(Map<String, HttpEndpoint> routes) {
    this.routes = Map.copyOf(routes);
  }

  HttpEndpoint route(String path) {
    return routes.get(path);
  }

  /** A bounded label for metrics: a known path, or "other". */
  String metricRoute(String path) {
    return routes.containsKey(path) ? path : "other";
  }

  void started() {
    inflight.incrementAndGet();
  }

  void finished() {
    inflight.decrementAndGet();
  }

  /** Requests received whole and not yet answered. */
  int inflight() {
    return inflight.get();
  }

  void drain() {
    draining = true;
  }

  /** Non-null while the server is shutting down: every new request gets it. */
  ApiException refusal() {
    return draining
        ? ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting_down", "the server is shutting down", 1)
        : null;
  }
}
