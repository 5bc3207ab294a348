package io.pingstack.gateway;

import io.pingstack.model.RetentionPin;
import io.pingstack.model.Wal;
import io.pingstack.model.WalFile;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalUnavailableException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A {@link Wal} whose appends wait until the test releases them, in any order; a released record
 * goes to {@link #log} and its append completes then. Everything else is {@link #log}'s.
 */
final class HeldWal implements Wal {
  final InMemoryWal log = new InMemoryWal();
  private final BlockingQueue<Held> held = new LinkedBlockingQueue<>();

  /** One append waiting for the test. */
  final class Held {
    private final byte[] record;
    private final CompletableFuture<Long> durable = new CompletableFuture<>();

    private Held(byte[] record) {
      this.record = record;
    }

    /** Makes the record durable; the append's dependents run on this thread. */
    void release() {
      durable.complete(log.append(record).join());
    }

    /** Fails the append as the real log does when it cannot take the record; nothing is stored. */
    void refuse(WalUnavailableException.Cause cause) {
      durable.completeExceptionally(new WalUnavailableException(cause, "held WAL refuses: " + cause));
    }
  }

  /** The next append that reached the log, waiting up to 10 s for it. */
  Held next() throws InterruptedException {
    Held next = held.poll(10, TimeUnit.SECONDS);
    if (next == null) {
      throw new AssertionError("no append reached the log within 10 s");
    }
    return next;
  }

  /** The next append that reached the log, or null when none is waiting. */
  Held poll() {
    return held.poll();
  }

  @Override
  public CompletableFuture<Long> append(byte[] record) {
    Held append = new Held(record.clone());
    held.add(append);
    return append.durable;
  }

  @Override
  public CompletableFuture<Long> barrier() {
    return log.barrier();
  }

  @Override
  public WalReader reader(long fromPosition) {
    return log.reader(fromPosition);
  }

  @Override
  public WalReader readerFromEnd() {
    return log.readerFromEnd();
  }

  @Override
  public long firstPosition() {
    return log.firstPosition();
  }

  @Override
  public long lastPosition() {
    return log.lastPosition();
  }

  @Override
  public long recordsBetween(long afterPosition, long upToPosition) {
    return log.recordsBetween(afterPosition, upToPosition);
  }

  @Override
  public WalUnavailableException.Cause refusal() {
    return log.refusal();
  }

  @Override
  public void registerConsumer(String name, LongSupplier lastAppliedPosition) {
    log.registerConsumer(name, lastAppliedPosition);
  }

  @Override
  public Pin pin(String name, long fromPosition) {
    return log.pin(name, fromPosition);
  }

  @Override
  public List<RetentionPin> retentionPins() {
    return log.retentionPins();
  }

  @Override
  public List<WalFile> files() {
    return log.files();
  }

  @Override
  public long diskFreeBytes() {
    return log.diskFreeBytes();
  }

  @Override
  public long sizeBytes() {
    return log.sizeBytes();
  }

  @Override
  public void close() {
    log.close();
  }
}
