package io.pingstack.engine;

import java.util.function.Consumer;

/**
 * The log as a replay reads it: records decoded into {@link ColumnBatch}es (borrowed for the call,
 * as {@link BatchSink#accept} borrows them), paced by the replay's speed cap, counted in its
 * progress, and stopped by cancellation. Used from the replay's one thread.
 */
public interface ReplayLog {
  /** The log's oldest position now ({@code Wal.NONE} when empty). */
  long firstPosition();

  /**
   * Hands every record with a position in {@code [from, to]} to {@code batches}, in WAL order, in
   * whole records per batch; returns how many records it read. Stops at the log's end when it holds
   * nothing after {@code to} yet.
   *
   * @throws io.pingstack.model.WalPositionDeletedException when the log no longer holds {@code from}
   * @throws ReplayCancelledException once the replay is cancelled
   */
  long read(long from, long to, Consumer<ColumnBatch> batches);

  /**
   * As {@link #read}, without the speed cap: for a short last stretch read while a live consumer
   * waits for the replay.
   */
  long readNow(long from, long to, Consumer<ColumnBatch> batches);

  /**
   * Keeps the log from {@code from} on until the replay ends (or the returned hold is closed), for a
   * target that must read before the range it was given.
   *
   * @throws io.pingstack.model.WalPositionDeletedException when the log no longer holds {@code from}
   */
  AutoCloseable hold(long from);

  /** The number of records in {@code [from, to]} (for progress and dry runs), without reading them. */
  long recordsIn(long from, long to);
}
