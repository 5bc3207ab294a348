package io.pingstack.wal;

import io.pingstack.model.WalUnavailableException;
/** What the log reports about itself. Called from the writer thread; implementations must be cheap. */
public interface WalMetrics {
  WalMetrics NOOP = new WalMetrics() {};

  /** One record written (not yet synced): its size. */
  default void appended(int bytes) {}

  /** One group of records made durable: how many, and how long the sync took. */
  default void synced(int records, long nanos) {}

  /** An append was refused. */
  default void refused(WalUnavailableException.Cause cause) {}

  /** A log file was deleted by retention. */
  default void fileDeleted(long bytes) {}
}
