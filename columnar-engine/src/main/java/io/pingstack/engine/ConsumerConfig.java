package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a {@link WalConsumer} cuts the log into batches. A batch is handed to the sink as soon as one
 * bound is reached; a WAL record is never split, so a single record with more pings than
 * {@code maxRows} makes a batch of its own.
 *
 * @param maxRows rows (pings) in one batch
 * @param maxBytes hard limit of the vector memory of one batch; a single WAL record must fit in it
 *     (keep it at least twice the largest request the gateway accepts)
 * @param maxDelay a partial batch is handed over once its first record has waited this long in it
 */
public record ConsumerConfig(int maxRows, long maxBytes, Duration maxDelay) {
  public static final int DEFAULT_MAX_ROWS = 65_536;
  public static final long DEFAULT_MAX_BYTES = 64L << 20;
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(100);
  static final long MIN_BYTES = 4L << 20;

  public ConsumerConfig {
    requireNonNull(maxDelay, "maxDelay");
    if (maxRows < 1) {
      throw new IllegalArgumentException("consumer maxRows must be at least 1: " + maxRows);
    }
    if (maxBytes < MIN_BYTES || maxBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("consumer maxBytes must be between " + MIN_BYTES + " and " + Integer.MAX_VALUE + ": " + maxBytes);
    }
    if (maxDelay.isNegative() || maxDelay.isZero() || maxDelay.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("consumer maxDelay must be positive and at most 1 minute: " + maxDelay);
    }
  }

  public static ConsumerConfig defaults() {
    return new ConsumerConfig(DEFAULT_MAX_ROWS, DEFAULT_MAX_BYTES, DEFAULT_MAX_DELAY);
  }

  public ConsumerConfig withMaxRows(int value) {
    return new ConsumerConfig(value, maxBytes, maxDelay);
  }

  public ConsumerConfig withMaxBytes(long value) {
    return new ConsumerConfig(maxRows, value, maxDelay);
  }

  public ConsumerConfig withMaxDelay(Duration value) {
    return new ConsumerConfig(maxRows, maxBytes, value);
  }
}
