package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.Wal;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalPositionDeletedException;
import io.pingstack.model.WalReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The {@link ReplayLog} of one replay over a {@link Wal}: one {@link ColumnBatch} of its own, reused
 * for every batch; reads paced to at most {@code maxPingsPerSecond} pings per second over the
 * replay's life (0: as fast as it can), in batches small enough that the pace is kept within
 * ~50 ms. A record that does not decode fails the read with its position.
 */
public final class WalReplayLog implements ReplayLog, AutoCloseable {
  private static final long PACE_SLICE_NANOS = 50_000_000L;

  private final Wal wal;
  private final String name;
  private final List<Wal.Pin> holds = new ArrayList<>();
  private final ReplayProgress progress;
  private final BooleanSupplier cancelled;
  private final long maxPingsPerSecond;
  private final int maxRows;
  private final ColumnBatch batch;
  private final WalRecordColumns columns = new WalRecordColumns();
  private final long startNanos = System.nanoTime();
  private long pingsRead;

  /**
   * @param name names the log pins this replay takes ({@code <name>-<n>})
   * @param batchConfig rows and bytes of one batch (as the live consumers use)
   * @param maxPingsPerSecond the speed cap; 0 for none
   * @param cancelled polled between batches and while pacing
   */
  public WalReplayLog(
      Wal wal, String name, ConsumerConfig batchConfig, long maxPingsPerSecond, ReplayProgress progress, BooleanSupplier cancelled) {
    this.wal = requireNonNull(wal, "wal");
    this.name = requireNonNull(name, "name");
    this.progress = requireNonNull(progress, "progress");
    this.cancelled = requireNonNull(cancelled, "cancelled");
    if (maxPingsPerSecond < 0) {
      throw new IllegalArgumentException("maxPingsPerSecond must be >= 0: " + maxPingsPerSecond);
    }
    this.maxPingsPerSecond = maxPingsPerSecond;
    long slice = maxPingsPerSecond == 0 ? Integer.MAX_VALUE : Math.max(1, maxPingsPerSecond * PACE_SLICE_NANOS / 1_000_000_000L);
    this.maxRows = (int) Math.min(batchConfig.maxRows(), slice);
    this.batch = new ColumnBatch(EngineMemory.child("replay", batchConfig.maxBytes()));
  }

  @Override
  public long firstPosition() {
    return wal.firstPosition();
  }


  @Override
  public synchronized AutoCloseable hold(long from) {
    Wal.Pin pin = wal.pin(name + "-" + (holds.size() + 1), from);
    holds.add(pin);
    return pin;
  }

  @Override
  public long recordsIn(long from, long to) {
    long first = wal.firstPosition();
    long last = wal.lastPosition();
    long start = Math.max(from, first);
    long end = Math.min(to, last);
    if (first == Wal.NONE || end < start) {
      return 0;
    }
    try (WalReader reader = wal.reader(start)) {
      WalReader.RawEntry head = reader.nextRaw();
      if (head == null || head.position() > end) {
        return 0;
      }
      return 1 + wal.recordsBetween(head.position(), end);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  @Override
  public long read(long from, long to, Consumer<ColumnBatch> batches) {
    return read(from, to, batches, true);
  }

  @Override
  public long readNow(long from, long to, Consumer<ColumnBatch> batches) {
    return read(from, to, batches, false);
  }

  private long read(long from, long to, Consumer<ColumnBatch> batches, boolean paced) {
    requireNonNull(batches, "batches");
    checkCancelled();
    long first = wal.firstPosition();
    if (first == Wal.NONE || to < from) {
      return 0;
    }
    if (from < first) {
      throw new WalPositionDeletedException(from, first);
    }
    progress.plan(recordsIn(from, to));
    long read = 0;
    batch.reset();
    try (WalReader reader = wal.reader(from)) {
      boolean pending = false;
      while (true) {
        if (!pending) {
          WalReader.RawEntry entry = reader.nextRaw();
          if (entry == null || entry.position() > to) {
            break;
          }
          columns.scan(entry.position(), entry.bytes());
        }
        pending = false;
        if (!batch.tryAppend(columns, maxRows)) {
          read += handOver(batches, paced);
          pending = true;
          continue;
        }
        if (batch.rowCount() >= maxRows) {
          read += handOver(batches, paced);
        }
      }
      if (batch.records() > 0) {
        read += handOver(batches, paced);
      }
    } catch (WalCorruptException e) {
      throw new ReplayException(e.getMessage() + "; `bin/pingstack wal verify` reports the first bad record", e);
    }
    return read;
  }

  private int handOver(Consumer<ColumnBatch> batches, boolean paced) {
    checkCancelled();
    batch.seal();
    int records = batch.records();
    int rows = batch.rowCount();
    batches.accept(batch);
    batch.reset();
    progress.read(records, rows);
    pingsRead += rows;
    if (paced) {
      pace();
    }
    return records;
  }

  /** Waits until the pings read so far are within the cap since the start. */
  private void pace() {
    if (maxPingsPerSecond == 0) {
      return;
    }
    long due = startNanos + (long) (pingsRead * 1e9 / maxPingsPerSecond);
    for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
      checkCancelled();
      LockSupport.parkNanos(this, Math.min(left, PACE_SLICE_NANOS));
    }
  }

  private void checkCancelled() {
    if (cancelled.getAsBoolean()) {
      throw new ReplayCancelledException();
    }
  }

  /** Releases every hold and the batch. Idempotent. */
  @Override
  public synchronized void close() {
    try {
      holds.forEach(Wal.Pin::close);
      holds.clear();
    } finally {
      batch.close();
    }
  }
}
