package io.pingstack.gateway;

import java.time.Duration;
import java.util.Objects;

/**
 * The gRPC listener. Message size, metadata size, idle time and the ingest limits come from
 * {@link GatewayConfig}; these are gRPC's own.
 *
 * @param host address to bind
 * @param port gRPC port (0 picks a free one)
 * @param maxConcurrentCallsPerConnection streams one connection may hold open at once
 * @param maxStreamPendingBatches batches of one client stream being stored at once before the
 *     server stops asking the client for more (flow control, so memory stays bounded)
 * @param maxConnectionAge connections older than this are asked to reconnect (GOAWAY), which also
 *     bounds how long any call can hold resources; zero keeps connections forever
 * @param keepAliveTime the server pings an idle client after this long to find dead peers
 * @param permitKeepAliveTime the shortest client keepalive interval tolerated (faster is abuse)
 * @param telemetryGatewayEnabled whether Sourcegraph's {@code TelemeteryGatewayService} is served
 *     (it takes no ingest token: Sourcegraph sends none)
 */
public record GrpcConfig(
    String host,
    int port,
    int maxConcurrentCallsPerConnection,
    int maxStreamPendingBatches,
    Duration maxConnectionAge,
    Duration keepAliveTime,
    Duration permitKeepAliveTime,
    boolean telemetryGatewayEnabled) {

  public GrpcConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(maxConnectionAge, "maxConnectionAge");
    Objects.requireNonNull(keepAliveTime, "keepAliveTime");
    Objects.requireNonNull(permitKeepAliveTime, "permitKeepAliveTime");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("grpc.port must be 0-65535: " + port);
    }
    if (maxConcurrentCallsPerConnection <= 0) {
      throw new IllegalArgumentException("grpc.max_concurrent_calls_per_connection must be positive: " + maxConcurrentCallsPerConnection);
    }
    if (maxStreamPendingBatches <= 0) {
      throw new IllegalArgumentException("grpc.max_stream_pending_batches must be positive: " + maxStreamPendingBatches);
    }
    if (maxConnectionAge.isNegative() || keepAliveTime.isNegative() || keepAliveTime.isZero() || permitKeepAliveTime.isNegative()) {
      throw new IllegalArgumentException("grpc durations must be positive (max_connection_age may be 0 for none)");
    }
  }

  public static GrpcConfig defaults() {
    return new GrpcConfig("0.0.0.0", 9090, 100, 4, Duration.ZERO, Duration.ofHours(2), Duration.ofMinutes(1), true);
  }
}
