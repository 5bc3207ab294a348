package io.pingstack.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.engine.ArrowFileColdStore;
import io.pingstack.engine.BatchExchange;
import io.pingstack.engine.ColdStore;
import io.pingstack.engine.ReplayTarget;
import io.pingstack.engine.WalConsumer;
import io.pingstack.engine.clickhouse.ClickHouseColdStore;
import io.pingstack.engine.clickhouse.ClickHouseReads;
import io.pingstack.gateway.GrpcGateway;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpGateway;
import io.pingstack.gateway.HttpReply;
import io.pingstack.gateway.IngestService;
import io.pingstack.model.Wal;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.query.ColdReads;
import io.pingstack.query.QueryLatency;
import io.pingstack.query.QueryService;
import io.pingstack.rollups.RollupSink;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.FileSync;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wired service. Starts consumers before the producer that feeds them: the log and the dedup
 * window rebuilt from it (a pin holds the whole log until the consumers have registered), then the
 * cold store and the rollups with their WAL consumers registered, the replays, then the HTTP and
 * gRPC listeners (ingest, queries, admin), and only then the consumers' reading: their catch-up on a
 * long log would otherwise share the two cores with the rebuild and the listeners' start, which
 * readiness waits for. Stops in reverse: stop accepting and answer what is in progress, cancel
 * a running replay, stop the consumers (the cold store commits, the rollups snapshot), sync and
 * close the log, release the listener.
 */
final class PingstackServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PingstackServer.class);

  private final ServerConfig config;
  private final Wal wal;
  /** What the two consumers decode, shared between them. */
  private final BatchExchange decoded;
  private final WalConsumer coldConsumer;
  private final RollupSink rollups;
  private final WalConsumer rollupConsumer;
  private final ReplayJobs replays;
  private final ColdReads coldReads;
  private final MetricsEndpoint metricsEndpoint;
  private final HttpGateway http;
  private final GrpcGateway grpc;
  private volatile boolean stopping;
  private boolean closed;

  private PingstackServer(ServerConfig config, FileSync fileSync, List<ReplayTarget> replayStandIns) {
    this.config = config;
    Metrics metrics = new Metrics();
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      this.wal = ChronicleWal.open(config.wal(), metrics.wal, fileSync);
      started.push(wal);
      // Retention deletes nothing until both consumers hold their positions: the dedup rebuild and
      // the stores' opening (a rollup snapshot to load, a ClickHouse slow to answer) take a while.
      Wal.Pin starting = wal.pin("starting", Wal.NONE);
      started.push(starting);
      IngestService ingest = IngestService.open(wal, config.gateway());
      ColdStore cold = config.clickhouse() == null
          ? ArrowFileColdStore.open(config.coldDir(), config.cold())
          : metrics.watchClickHouse(ClickHouseColdStore.open(config.clickhouse(), metrics.clickhouse));
      started.push(cold);
      this.decoded = new BatchExchange("wal-consumers", config.consumer().maxBytes());
      started.push(decoded);
      this.coldConsumer = WalConsumer.open("cold", wal, cold, config.consumer(), metrics.consumer("cold"), decoded);
      started.push(coldConsumer);
      this.rollups = RollupSink.open(config.rollups(), config.snapshotInterval(), metrics.rollups);
      started.push(rollups);
      this.rollupConsumer = WalConsumer.open("rollups", wal, rollups, config.consumer(), metrics.consumer("rollups"), decoded);
      started.push(rollupConsumer);
      starting.close();
      this.replays = new ReplayJobs(wal, config.consumer(), config.replayMaxPingsPerSecond(),
          replayTargets(rollups, cold, replayStandIns), Clock.systemUTC());
      started.push(replays);
      QueryLatency queryLatency = new QueryLatency();
      this.coldReads = config.clickhouse() == null ? null : new ColdReads(ClickHouseReads.open(config.clickhouse()));
      if (coldReads != null) {
        started.push(coldReads);
      }
      Map<String, HttpEndpoint> routes = new HashMap<>(QueryService.endpoints(rollups, coldReads, config.query(), queryLatency));
      routes.putAll(AdminEndpoints.of(config.adminToken(), wal, config.wal(), List.of(coldConsumer, rollupConsumer), replays));
      routes.put("/healthz", call -> CompletableFuture.completedFuture(HttpReply.json(HttpResponseStatus.OK, "{\"status\":\"up\"}")));
      routes.put("/readyz", call -> CompletableFuture.completedFuture(readiness()));
      this.metricsEndpoint = new MetricsEndpoint(metrics.contentType(), metrics::scrape);
      started.push(metricsEndpoint);
      routes.put("/metrics", metricsEndpoint);
      this.http = HttpGateway.start(config.gateway(), config.tls(), config.sourcegraph(), ingest, routes, metrics.gateway);
      started.push(http);
      this.grpc = GrpcGateway.start(config.grpc(), config.tls(), http, () -> readinessProblem() == null, metrics.gateway);
      started.push(grpc);
      metrics.watch(wal, http, () -> readinessProblem() == null);
      metrics.watchConsumers(List.of(coldConsumer, rollupConsumer));
      metrics.watchRollups(rollups);
      metrics.watchQueries(queryLatency);
      metrics.watchReplays(replays);
      // Last: two consumers catching up on a long log would share the cores with the listeners' start.
      coldConsumer.startReading();
      rollupConsumer.startReading();
    } catch (RuntimeException e) {
      closeQuietly(started, e);
      throw e;
    }
  }

  private static void closeQuietly(Deque<AutoCloseable> started, RuntimeException cause) {
    for (AutoCloseable c : started) {
      try {
        c.close();
      } catch (Exception suppressed) {
        cause.addSuppressed(suppressed);
      }
    }
  }

  /** What a replay can rebuild: the rollups and the cold store; a stand-in takes the place of the target of its name. */
  private static List<ReplayTarget> replayTargets(RollupSink rollups, ColdStore cold, List<ReplayTarget> standIns) {
    Map<String, ReplayTarget> targets = new LinkedHashMap<>();
    for (ReplayTarget target : List.of(rollups, cold)) {
      targets.put(target.targetName(), target);
    }
    standIns.forEach(target -> targets.put(target.targetName(), target));
    return new ArrayList<>(targets.values());
  }

  static PingstackServer start(ServerConfig config) {
    return start(config, FileSync.FORCE);
  }

  /** With the WAL's file sync replaced: tests inject sync failures. */
  static PingstackServer start(ServerConfig config, FileSync fileSync) {
    return start(config, fileSync, List.of());
  }

  /** With stand-ins for replay targets: tests replay into a target of their own. */
  static PingstackServer start(ServerConfig config, FileSync fileSync, List<ReplayTarget> replayStandIns) {
    LOG.info("starting Pingstack with {}", config.settings().effective());
    PingstackServer server = new PingstackServer(config, fileSync, replayStandIns);
    LOG.info("Pingstack ready: HTTP on port {}, gRPC on port {}, data in {}", server.httpPort(), server.grpcPort(),
        config.dataDir());
    return server;
  }

  int httpPort() {
    return http.port();
  }

  int grpcPort() {
    return grpc.port();
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

  /**
   * Graceful stop: no new requests, in-progress ones answered, the consumers stopped (the cold store
   * commits, the rollups snapshot), the log synced and closed. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopping = true;
    long start = System.nanoTime();
    LOG.info("stopping: refusing new requests, draining those in progress (up to {})", config.drainTimeout());
    Thread grpcDrain = new Thread(() -> grpc.drain(config.drainTimeout()), "grpc-drain");
    grpcDrain.start();
    http.drain(config.drainTimeout());
    try {
      grpcDrain.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    grpc.close();
    replays.close(config.drainTimeout());
    rollupConsumer.close();
    coldConsumer.close();
    decoded.close();
    wal.close();
    if (coldReads != null) {
      coldReads.close();
    }
    http.close();
    metricsEndpoint.close();
    LOG.info("stopped in {} ms; rollups snapshotted, cold store committed, WAL synced and closed",
        (System.nanoTime() - start) / 1_000_000);
  }
}
