package io.pingstack.rollups;

/**
 * What the rollups report about themselves. Called from the applying thread (and the snapshotting
 * one); implementations must be cheap. Gauges ({@link Rollups#seriesCount()}, {@link
 * Rollups#cellCount()}, {@link Rollups#instanceCount()}) are polled instead.
 */
public interface RollupMetrics {
  RollupMetrics NOOP = new RollupMetrics() {};

  /** One ping left out of the cells because its series would have crossed {@code max_series}. */
  default void seriesCapped() {}

  /** One ping whose instance is not in the instance table because it is full. */
  default void instancesCapped() {}

  /** One metric value left out of the cells because its event already has the most metric names. */
  default void metricNamesCapped() {}

  /** One snapshot made durable: its size and how long writing it took. */
  default void snapshotWritten(long bytes, long nanos) {}
}
