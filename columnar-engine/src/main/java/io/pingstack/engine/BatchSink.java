package io.pingstack.engine;

import io.pingstack.model.Wal;

/**
 * Where a {@link WalConsumer} delivers WAL records, as {@link ColumnBatch}es: the stage boundary
 * between the log and whatever is built from it (rollups, cold storage).
 *
 * <p>A sink stores the position of the last WAL record its output includes together with that
 * output, and says so in {@link #resumePosition()}: the consumer never trusts anything else. Every
 * method except {@link #durablePosition()} is called from the consumer's one thread.
 */
public interface BatchSink extends AutoCloseable {
  /**
   * Returns the position of the last WAL record the sink's state includes, or {@link Wal#NONE} for
   * none, after discarding whatever a failed call may have left half done. A sink that cannot tell
   * (the cold store) discards everything not yet durable and returns its durable position; one that
   * knows its state holds exactly whole records (the rollups, unless a batch failed half way) may
   * return the position of the last record applied. Called before the first {@link #accept} and
   * after any {@code accept} or {@code tick} that threw; the consumer then delivers the records
   * after that position again.
   */
  long resumePosition();

  /**
   * Takes the rows of {@code batch}, whose records all come after the last one accepted. The batch is
   * borrowed for this call only (see {@link ColumnBatch}): copy what you keep. It may become durable
   * now or later ({@link #tick}); may throw, and the consumer then calls {@link #resumePosition()}.
   */
  void accept(ColumnBatch batch);

  /**
   * Called at least every ~100 ms, busy or idle, so the sink commits or snapshots on its own
   * schedule. {@code nowMillis} is the wall clock. May throw as {@link #accept} does.
   */
  void tick(long nowMillis);

  /**
   * The position of the last WAL record whose output is durable ({@link Wal#NONE} for none). Pins
   * WAL retention. Any thread; must be cheap.
   */
  long durablePosition();

  /** Makes everything accepted durable and releases the sink. Idempotent. */
  @Override
  void close();
}
