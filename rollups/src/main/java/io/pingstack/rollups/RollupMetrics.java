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

  /** The applying thread stopped for {@code nanos} to freeze the state for a snapshot, which another thread then writes. */
  default void snapshotFrozen(long nanos) {}

  /** One snapshot made durable: its size and how long it took from freezing the state to durable. */
  default void snapshotWritten(long bytes, long nanos) {}
}
