package io.pingstack.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpGateway;
import io.pingstack.gateway.HttpReply;
import io.pingstack.model.Wal;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.FileSync;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wired service. Starts the log before the listener that feeds it, and stops in reverse:
 * stop accepting, answer what is in progress, sync the log, release everything.
 */
final class PingstackServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PingstackServer.class);

  private final ServerConfig config;
  private final Wal wal;
  private final HttpGateway http;
  private volatile boolean stopping;
  private boolean closed;

  private PingstackServer(ServerConfig config, FileSync fileSync) {
    this.config = config;
    Metrics metrics = new Metrics();
    this.wal = ChronicleWal.open(config.wal(), metrics.wal, fileSync);
    try {
      Map<String, HttpEndpoint> routes = Map.of(
          "/healthz", call -> CompletableFuture.completedFuture(HttpReply.json(HttpResponseStatus.OK, "{\"status\":\"up\"}")),
          "/readyz", call -> CompletableFuture.completedFuture(readiness()),
          "/metrics", call -> CompletableFuture.completedFuture(
              new HttpReply(HttpResponseStatus.OK, metrics.contentType(), metrics.scrape())));
      this.http = HttpGateway.start(config.gateway(), wal, routes, metrics.gateway);
      metrics.watch(wal, http, () -> readinessProblem() == null);
    } catch (RuntimeException e) {
      wal.close();
      throw e;
    }
  }

  static PingstackServer start(ServerConfig config) {
    return start(config, FileSync.FORCE);
  }

  /** With the WAL's file sync replaced: tests inject sync failures. */
  static PingstackServer start(ServerConfig config, FileSync fileSync) {
    LOG.info("starting Pingstack with {}", config.settings().effective());
    PingstackServer server = new PingstackServer(config, fileSync);
    LOG.info("Pingstack ready: HTTP on port {}, data in {}", server.httpPort(), config.dataDir());
    return server;
  }

  int httpPort() {
    return http.port();
  }

  /** Why the service does not accept pings now, or null when it does. */
  String readinessProblem() {
    if (stopping) {
      return "shutting_down";
    }
    WalUnavailableException.Cause refusal = wal.refusal();
    return refusal == null || refusal == WalUnavailableException.Cause.BACKPRESSURE ? null : refusal.code();
  }

  private HttpReply readiness() {
    String problem = readinessProblem();
    return problem == null
        ? HttpReply.json(HttpResponseStatus.OK, "{\"status\":\"ready\"}")
        : HttpReply.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"status\":\"not_ready\",\"reason\":\"" + problem + "\"}");
  }

  /** Graceful stop: no new requests, in-progress ones answered, the log synced and closed. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopping = true;
    long start = System.nanoTime();
    LOG.info("stopping: refusing new requests, draining those in progress (up to {})", config.drainTimeout());
    http.drain(config.drainTimeout());
    wal.close();
    http.close();
    LOG.info("stopped in {} ms; WAL synced and closed", (System.nanoTime() - start) / 1_000_000);
  }
}
