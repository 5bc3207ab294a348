package io.pingstack.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The HTTP listener and ingest limits. Every limit is enforced before its resource is spent.
 *
 * @param host address to bind
 * @param port HTTP port (0 picks a free one)
 * @param node this node's name, written with every WAL record
 * @param maxWireBytes largest request body as received
 * @param maxDecompressedBytes largest body after Content-Encoding is undone
 * @param maxPingsPerBatch most pings in one request
 * @param maxHeaderBytes largest request head (request line plus headers)
 * @param idleTimeout a connection with no traffic for this long is closed
 * @param requestDeadline a request must arrive whole within this long after its first byte
 * @param maxInflightBytes request bytes held in memory across all connections
 * @param rateLimitPingsPerSecond per-sender rate limit (0: none)
 * @param rateLimitBurst pings a sender may send at once above its rate
 * @param tokens ingest tokens; empty means open ingest
 * @param maxPingAge oldest event time accepted
 * @param dedupWindow how long an accepted (instance_id, ping_id) is remembered
 * @param dedupMaxEntries the most pairs remembered at once
 * @param eventLoopThreads the threads that serve the HTTP and gRPC connections
 */
public record GatewayConfig(
    String host,
    int port,
    String node,
    int maxWireBytes,
    int maxDecompressedBytes,
    int maxPingsPerBatch,
    int maxHeaderBytes,
    Duration idleTimeout,
    Duration requestDeadline,
    long maxInflightBytes,
    double rateLimitPingsPerSecond,
    double rateLimitBurst,
    List<IngestToken> tokens,
    Duration maxPingAge,
    Duration dedupWindow,
    long dedupMaxEntries,
    int eventLoopThreads) {

  /** Each event loop holds a selector (file descriptors) from the start; more than this is a typo. */
  private static final int MAX_EVENT_LOOP_THREADS = 1024;

  public GatewayConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(requestDeadline, "requestDeadline");
    Objects.requireNonNull(maxPingAge, "maxPingAge");
    Objects.requireNonNull(dedupWindow, "dedupWindow");
    tokens = List.copyOf(tokens);
    positive("http.port", port + 1);
    positive("ingest.max_wire_bytes", maxWireBytes);
    positive("ingest.max_decompressed_bytes", maxDecompressedBytes);
    positive("ingest.max_pings_per_batch", maxPingsPerBatch);
    positive("http.max_header_bytes", maxHeaderBytes);
    positive("ingest.max_inflight_bytes", maxInflightBytes);
    positive("dedup.max_entries", dedupMaxEntries);
    if (eventLoopThreads < 1 || eventLoopThreads > MAX_EVENT_LOOP_THREADS) {
      throw new IllegalArgumentException("http.event_loop_threads must be between 1 and " + MAX_EVENT_LOOP_THREADS
          + ": " + eventLoopThreads);
    }
    if (maxInflightBytes < maxWireBytes + (long) maxDecompressedBytes) {
      throw new IllegalArgumentException("ingest.max_inflight_bytes must hold at least one largest request: "
          + (maxWireBytes + (long) maxDecompressedBytes));
    }
    if (rateLimitPingsPerSecond < 0 || rateLimitBurst < 0) {
      throw new IllegalArgumentException("ingest.rate_limit values must not be negative");
    }
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  public static GatewayConfig defaults() {
    return new GatewayConfig("0.0.0.0", 8080, "node-1", 16 << 20, 64 << 20, 10_000, 16 * 1024,
        Duration.ofSeconds(60), Duration.ofSeconds(30), 512L << 20, 0, 0, List.of(),
        Duration.ofDays(30), Duration.ofHours(24), 4_000_000, Runtime.getRuntime().availableProcessors());
  }
}
