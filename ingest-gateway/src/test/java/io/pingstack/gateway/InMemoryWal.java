package io.pingstack.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import io.pingstack.model.RetentionPin;
import io.pingstack.model.Wal;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalFile;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.model.proto.WalRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A {@link Wal} in memory for tests: every append is durable at once, positions are 0, 1, 2, ...
 * {@link #refuse} makes appends and barriers fail as the real log does when it cannot take records.
 */
final class InMemoryWal implements Wal {
  private final List<byte[]> records = new ArrayList<>();
  private final Map<String, LongSupplier> consumers = new LinkedHashMap<>();
  private final Map<String, Pin> pins = new LinkedHashMap<>();
  private WalUnavailableException.Cause refusing;
  private int barriers;
  private boolean closed;

  /** From now on appends and barriers fail with {@code cause}. */
  synchronized void refuse(WalUnavailableException.Cause cause) {
    refusing = cause;
  }

  /** From now on appends and barriers succeed again. */
  synchronized void accept() {
    refusing = null;
  }

  /** Every record appended so far, decoded, oldest first. */
  synchronized List<WalRecord> records() {
    List<WalRecord> decoded = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      decoded.add(decode(i));
    }
    return decoded;
  }

  synchronized int barriers() {
    return barriers;
  }

  synchronized Map<String, LongSupplier> consumers() {
    return Map.copyOf(consumers);
  }

  synchronized boolean closed() {
    return closed;
  }

  @Override
  public synchronized CompletableFuture<Long> append(byte[] record) {
    WalUnavailableException.Cause refusal = refusal();
    if (refusal != null) {
      return CompletableFuture.failedFuture(new WalUnavailableException(refusal, "in-memory WAL refuses: " + refusal));
    }
    records.add(record.clone());
    return CompletableFuture.completedFuture((long) records.size() - 1);
  }

  @Override
  public synchronized CompletableFuture<Long> barrier() {
    barriers++;
    WalUnavailableException.Cause refusal = refusal();
    if (refusal != null) {
      return CompletableFuture.failedFuture(new WalUnavailableException(refusal, "in-memory WAL refuses: " + refusal));
    }
    return CompletableFuture.completedFuture(lastPosition());
  }

  @Override
  public synchronized WalReader reader(long fromPosition) {
    return new Reader(Math.max(0, fromPosition), 1);
  }

  @Override
  public synchronized WalReader readerFromEnd() {
    return new Reader(records.size() - 1L, -1);
  }

  @Override
  public synchronized long firstPosition() {
    return records.isEmpty() ? NONE : 0;
  }

  @Override
  public synchronized long lastPosition() {
    return records.isEmpty() ? NONE : records.size() - 1L;
  }

  @Override
  public synchronized long recordsBetween(long afterPosition, long upToPosition) {
    long upTo = Math.min(upToPosition, records.size() - 1L);
    return Math.max(0, upTo - Math.max(afterPosition, NONE));
  }

  @Override
  public synchronized WalUnavailableException.Cause refusal() {
    return closed ? WalUnavailableException.Cause.CLOSED : refusing;
  }

  @Override
  public synchronized void registerConsumer(String name, LongSupplier lastAppliedPosition) {
    consumers.put(name, lastAppliedPosition);
  }

  /** Nothing is ever deleted here; a pin is only listed by {@link #retentionPins()} until closed. */
  @Override
  public synchronized Pin pin(String name, long fromPosition) {
    if (consumers.containsKey(name) || pins.containsKey(name)) {
      throw new IllegalStateException("WAL consumer or pin already registered: " + name);
    }
    long[] from = {fromPosition};
    Pin pin = new Pin() {
      @Override
      public long fromPosition() {
        synchronized (InMemoryWal.this) {
          return from[0];
        }
      }

      @Override
      public void advance(long position) {
        synchronized (InMemoryWal.this) {
          from[0] = Math.max(from[0], position);
        }
      }

      @Override
      public void close() {
        synchronized (InMemoryWal.this) {
          pins.remove(name, this);
        }
      }
    };
    pins.put(name, pin);
    return pin;
  }

  @Override
  public synchronized List<RetentionPin> retentionPins() {
    List<RetentionPin> list = new ArrayList<>();
    consumers.forEach((name, position) -> list.add(new RetentionPin(name, RetentionPin.Kind.CONSUMER, position.getAsLong())));
    pins.forEach((name, pin) -> list.add(new RetentionPin(name, RetentionPin.Kind.PIN, pin.fromPosition())));
    return list;
  }

  @Override
  public synchronized List<WalFile> files() {
    return records.isEmpty() ? List.of() : List.of(new WalFile("memory", sizeBytes(), records.size(), 0, records.size() - 1L));
  }

  @Override
  public long diskFreeBytes() {
    return Long.MAX_VALUE;
  }

  @Override
  public synchronized long sizeBytes() {
    long size = 0;
    for (byte[] r : records) {
      size += r.length;
    }
    return size;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private synchronized WalRecord decode(long position) {
    try {
      return WalRecord.parseFrom(records.get((int) position));
    } catch (InvalidProtocolBufferException e) {
      throw new WalCorruptException(position, e);
    }
  }

  private synchronized boolean has(long position) {
    return position >= 0 && position < records.size();
  }

  /** Walks the records present when each {@link #next()} is called, forwards or backwards. */
  private final class Reader implements WalReader {
    private long next;
    private final int step;

    Reader(long first, int step) {
      this.next = first;
      this.step = step;
    }

    @Override
    public Entry next() {
      if (!has(next)) {
        return null;
      }
      Entry entry = new Entry(next, decode(next));
      next += step;
      return entry;
    }

    @Override
    public void close() {}
  }
}
