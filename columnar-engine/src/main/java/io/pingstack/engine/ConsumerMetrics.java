package io.pingstack.engine;

/** What a {@link WalConsumer} reports. Called from the consumer's thread; implementations must be cheap. */
public interface ConsumerMetrics {
  ConsumerMetrics NOOP = new ConsumerMetrics() {};

  /** A batch was accepted by the sink: its WAL records, its rows, and how long {@code accept} took. */
  default void applied(int records, int rows, long nanos) {}

  /** The batch about to be applied was decoded by another consumer of the log: these records were not decoded again. */
  default void taken(int records) {}

  /** The sink threw (from {@code accept}, {@code tick} or {@code resumePosition}); the consumer retries. */
  default void failed() {}

  /** The consumer stopped for good: a WAL record does not decode or does not fit in a batch. */
  default void stopped() {}
}
