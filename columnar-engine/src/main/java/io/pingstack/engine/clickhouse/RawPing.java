package io.pingstack.engine.clickhouse;

import java.util.Map;

/**
 * One ping as ClickHouse stores it, for an operator's {@code /v1/raw}. Times are microseconds since
 * the epoch (UTC); {@code payload} is the JSON text, or null when the ping had none.
 */
public record RawPing(
    long walPosition,
    long receivedAtMicros,
    String ingestNode,
    String pingId,
    String instanceId,
    long timestampMicros,
    String event,
    String version,
    String deployType,
    Map<String, Double> metrics,
    Map<String, String> dimensions,
    String payload) {

  public RawPing {
    metrics = Map.copyOf(metrics);
    dimensions = Map.copyOf(dimensions);
  }
}
