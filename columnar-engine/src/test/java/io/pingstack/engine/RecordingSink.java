package io.pingstack.engine;

import io.pingstack.model.Wal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A sink for tests: every accepted batch is durable at once; it copies each row's WAL position and
 * ping id and each batch's shape. It can be told to fail its next accepts, or to hold accepts until
 * released.
 */
final class RecordingSink implements BatchSink {
  record Row(long position, String pingId) {}

  record Batch(long firstPosition, long lastPosition, int records, int rows, List<Long> rowPositions) {}

  private final List<Row> rows = new ArrayList<>();
  private final List<Batch> batches = new ArrayList<>();
  private final List<Batch> failedBatches = new ArrayList<>();
  private volatile long durable;
  private long accepted = Wal.NONE;
  private boolean buffering;
  private int failuresToInject;
  private volatile CountDownLatch gate;
  private int resumes;
  private int ticks;
  private boolean closed;

  RecordingSink(long resumePosition) {
    this.durable = resumePosition;
  }

  RecordingSink() {
    this(Wal.NONE);
  }

  synchronized void failNextAccepts(int count) {
    failuresToInject = count;
  }

  /** Accepted rows stay buffered, not durable, until {@link #flushBuffered()}, as a ClickHouse store's between INSERTs. */
  synchronized void buffer() {
    buffering = true;
  }

  synchronized void flushBuffered() {
    buffering = false;
    durable = accepted;
  }

  /** Accepts wait until {@link #release()}. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  void release() {
    gate.countDown();
  }

  synchronized List<Row> rows() {
    return List.copyOf(rows);
  }

  synchronized List<String> pingIds() {
    return rows.stream().map(Row::pingId).toList();
  }

  synchronized List<Batch> batches() {
    return List.copyOf(batches);
  }

  synchronized List<Batch> failedBatches() {
    return List.copyOf(failedBatches);
  }

  synchronized int resumes() {
    return resumes;
  }

  synchronized int ticks() {
    return ticks;
  }

  synchronized boolean closed() {
    return closed;
  }

  @Override
  public synchronized long resumePosition() {
    resumes++;
    return durable;
  }

  @Override
  public void accept(ColumnBatch batch) {
    CountDownLatch waitFor = gate;
    if (waitFor != null) {
      try {
        if (!waitFor.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("test sink was never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    synchronized (this) {
      List<Long> positions = new ArrayList<>();
      for (int row = 0; row < batch.rowCount(); row++) {
        positions.add(batch.walPosition(row));
      }
      Batch shape = new Batch(batch.firstPosition(), batch.lastPosition(), batch.records(), batch.rowCount(), positions);
      if (failuresToInject > 0) {
        failuresToInject--;
        failedBatches.add(shape);
        throw new IllegalStateException("injected sink failure");
      }
      batches.add(shape);
      for (int row = 0; row < batch.rowCount(); row++) {
        rows.add(new Row(batch.walPosition(row), batch.pingId(row)));
      }
      accepted = batch.lastPosition();
      if (!buffering) {
        durable = accepted;
      }
    }
  }

  @Override
  public synchronized void tick(long nowMillis) {
    ticks++;
  }

  @Override
  public long durablePosition() {
    return durable;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
