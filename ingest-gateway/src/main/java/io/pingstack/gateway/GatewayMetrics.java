package io.pingstack.gateway;

/** What the gateway reports. Called on I/O threads: implementations must be cheap and thread-safe. */
public interface GatewayMetrics {
  GatewayMetrics NOOP = new GatewayMetrics() {};

  /** One HTTP request answered: its route ("/v1/pings", or "other"), status and latency. */
  default void request(String route, int status, long nanos) {}

  /** Pings by outcome: "accepted", "duplicate", or "rejected" with its reason code (else empty). */
  default void pings(String outcome, String reason, int count) {}

  /** One gRPC call closed: its full method name, status code name and duration. */
  default void grpcCall(String method, String code, long nanos) {}

  /** Time from the WAL append to its acknowledgement. */
  default void walAck(long nanos) {}
}
