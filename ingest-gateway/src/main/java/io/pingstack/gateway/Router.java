package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Path to endpoint, and whether the server still takes requests at all. A route is an exact path,
 * or, when it ends with {@code /} (such as {@code /admin/replay/}), every path under it that no
 * exact route names (the endpoint reads the rest of {@link HttpCall#path()} itself). The root
 * {@code /} is only itself: an unknown path stays unknown.
 */
final class Router {
  private final Map<String, HttpEndpoint> routes;
  /** The routes ending with {@code /}, longest first: the most specific prefix wins. */
  private final List<String> prefixes;
  private volatile boolean draining;
  private final java.util.concurrent.atomic.AtomicInteger inflight = new java.util.concurrent.atomic.AtomicInteger();

  Router(Map<String, HttpEndpoint> routes) {
    this.routes = Map.copyOf(routes);
    this.prefixes = this.routes.keySet().stream()
        .filter(path -> path.length() > 1 && path.endsWith("/"))
        .sorted(Comparator.comparingInt(String::length).reversed())
        .toList();
  }

  HttpEndpoint route(String path) {
    String route = matching(path);
    return route == null ? null : routes.get(route);
  }

  /** A bounded label for metrics: a known path or prefix, or "other". */
  String metricRoute(String path) {
    String route = matching(path);
    return route == null ? "other" : route;
  }

  /** The route serving {@code path}: itself, or the longest prefix route it starts with; null when none does. */
  private String matching(String path) {
    if (routes.containsKey(path)) {
      return path;
    }
    for (String prefix : prefixes) {
      if (path.startsWith(prefix)) {
        return prefix;
      }
    }
    return null;
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
