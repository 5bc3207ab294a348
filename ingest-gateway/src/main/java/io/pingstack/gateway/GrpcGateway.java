package io.pingstack.gateway;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC listener, on its own port and on the HTTP listener's event loops: {@code
 * pingstack.v1.IngestService} through the same {@link PingIntake} as HTTP ingest, Sourcegraph's
 * Telemetry Gateway ({@link TelemetryGatewayService}), the standard health service ({@code
 * grpc.health.v1}: SERVING while the service accepts pings) and server reflection.
 *
 * <p>Limits (RELIABILITY.md): the largest message is the HTTP body limit, the largest metadata the
 * HTTP header limit, idle connections close after the HTTP idle timeout, and streams per connection
 * and RST_STREAM frames per window are capped (HTTP/2 rapid reset).
 */
public final class GrpcGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcGateway.class);

  private final GrpcCalls calls;
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ScheduledFuture<?> healthWatch;
  private boolean serving = true; // what the health manager starts with
  private volatile boolean closed;

  private GrpcGateway(GrpcConfig config, TlsFiles tls, HttpGateway http, BooleanSupplier ready, GatewayMetrics metrics)
      throws IOException {
    GatewayConfig limits = http.config();
    this.calls = new GrpcCalls(metrics);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
        .bossEventLoopGroup(http.bossGroup())
        .workerEventLoopGroup(http.workerGroup())
        .channelType(NioServerSocketChannel.class)
        .directExecutor()
        .maxInboundMessageSize(limits.maxWireBytes())
        .maxInboundMetadataSize(limits.maxHeaderBytes())
        .maxConcurrentCallsPerConnection(config.maxConcurrentCallsPerConnection())
        .maxRstFramesPerWindow(200, 30)
        .maxConnectionIdle(limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTime(config.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(config.permitKeepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .addTransportFilter(GrpcCaller.TRANSPORT_FILTER)
        .intercept(calls)
        .addService(new GrpcIngest(http.intake(), config.maxStreamPendingBatches()).definition())
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance());
    if (config.telemetryGatewayEnabled()) {
      builder.addService(new TelemetryGatewayService(http.intake()));
    }
    if (!config.maxConnectionAge().isZero()) {
      builder.maxConnectionAge(config.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(30, TimeUnit.SECONDS);
    }
    if (tls != null) {
      builder.sslContext(tls.grpcContext());
    }
    this.server = builder.build().start();
    updateHealth(ready);
    this.healthWatch = http.workerGroup().next().scheduleAtFixedRate(() -> updateHealth(ready), 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Binds the gRPC port and serves ingest (and the Sourcegraph Telemetry Gateway, unless disabled)
   * through {@code http}'s intake; health follows {@code ready}.
   */
  public static GrpcGateway start(GrpcConfig config, TlsFiles tls, HttpGateway http, BooleanSupplier ready,
      GatewayMetrics metrics) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(http, "http");
    try {
      GrpcGateway gateway = new GrpcGateway(config, tls, http, ready, metrics);
      LOG.info("gRPC listening on {}:{} ({}; services: pingstack.v1.IngestService, {}health, reflection)", config.host(),
          gateway.port(), tls == null ? "h2c" : "TLS",
          config.telemetryGatewayEnabled() ? "telemetrygateway.v1.TelemeteryGatewayService (OPEN: no ingest token), " : "");
      return gateway;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind gRPC port " + config.port() + " on " + config.host(), e);
    }
  }

  private synchronized void updateHealth(BooleanSupplier ready) {
    boolean now = !closed && ready.getAsBoolean();
    if (now != serving) {
      serving = now;
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, now ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }
  }

  public int port() {
    return server.getPort();
  }

  /**
   * Stops taking calls (health says NOT_SERVING) and waits up to {@code timeout} for the calls in
   * progress that carry pings to be answered; health watches and the rest are cut by {@link #close}.
   */
  public void drain(Duration timeout) {
    synchronized (this) {
      closed = true;
      health.enterTerminalState();
    }
    server.shutdown();
    boolean idle = false;
    try {
      idle = calls.awaitIdle(timeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!idle) {
      LOG.warn("{} gRPC calls still in progress after {}; cancelling them", calls.inflight(), timeout);
    }
  }

  /** Cancels what is left; idempotent. The event loops belong to the HTTP listener, closed after this. */
  @Override
  public void close() {
    synchronized (this) {
      if (!closed) {
        closed = true;
        health.enterTerminalState();
      }
    }
    healthWatch.cancel(false);
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
