package io.pingstack.rollups;

import java.util.Objects;

/**
 * One ping as the rollups read it, without maps: the consumer adapts whatever it decoded (an Arrow
 * row, a protobuf message) to this view. The view is BORROWED for the duration of one {@link
 * Rollups#apply(PingView)} call, or in a batch ({@link Rollups#apply(int, java.util.function.IntFunction)})
 * until the next ping's view is asked for; the rollups copy what they keep and never hold on to it.
 */
public interface PingView {
  String event();

  /** The instance's product version, {@code ""} when the ping had none. */
  String version();

  /** The instance's deploy type, {@code ""} when the ping had none. */
  String deployType();

  String instanceId();

  /**
   * The 64-bit hash the rollups count the instance by ({@link InstanceHash}); a view may compute it
   * without making the id a {@code String}.
   */
  default long instanceHash() {
    return InstanceHash.of(Objects.requireNonNull(instanceId(), "ping.instanceId()"));
  }

  /** The position of the WAL record the ping came in. */
  long walPosition();

  /** Event time at the instance, epoch millis. */
  long timestampMillis();

  int metricCount();

  /** The name of metric {@code i}, {@code 0 <= i < metricCount()}. */
  String metricName(int i);

  /** The value of metric {@code i}; non-finite values are ignored by the rollups. */
  double metricValue(int i);

  /** The value of dimension {@code key}, or null when the ping does not carry it. */
  String dimension(String key);

  int dimensionCount();

  /** The key of dimension {@code i}, {@code 0 <= i < dimensionCount()}. */
  String dimensionKey(int i);
}
