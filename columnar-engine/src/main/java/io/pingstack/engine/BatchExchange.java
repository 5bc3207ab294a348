package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.Wal;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the {@link WalConsumer}s of one log decode each stretch of it once. Every consumer reads the
 * same records, and decoding them into Arrow was most of the cold store's time and a quarter of the
 * rollups'. So a consumer about to decode the records after a position first asks here: another
 * consumer may have decoded them already (it takes those columns, skips the records in its reader
 * and hands the same vectors to its own sink), or may be decoding them right now (it waits for
 * them); otherwise it claims them and decodes them itself, for everyone.
 *
 * <p>Stretches are keyed by the position of the record before them ({@code after}), which two
 * consumers agree on wherever they are: the record after a position is the same for every reader. A
 * consumer that is behind decodes on its own until it reaches a stretch another claimed, ends its
 * batch there ({@link #claimed}) and takes theirs.
 *
 * <p>Memory: at most two batches per consumer (and one more for a consumer's last pass as it stops,
 * when none is free), each with its own allocator limited to the consumers' {@code maxBytes}. A consumer holds one batch at a time (the one it decodes, or the one
 * its sink reads); a decoded batch no one holds waits for the consumers that have not passed it.
 * When a consumer needs a batch and none is free, it reuses the oldest decoded one no one holds,
 * unless a consumer behind it still waits for that one and has shown life in the last {@value
 * #PATIENCE_MILLIS} ms: then the one ahead waits (its {@link #next} answers null), so that the
 * slower consumer is the one that does not decode. A consumer that stalls longer (a sink failing and
 * backing off, a store's long flush) holds no one back: the others reuse its batches, and it
 * decodes those records itself once it comes back. Thread-safe.
 */
public final class BatchExchange implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchExchange.class);
  static final long PATIENCE_MILLIS = 250;
  private static final long PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(PATIENCE_MILLIS);

  private final String name;
  private final long maxBytes;
  private final LongSupplier nanoClock;
  /** By {@code after}, in the order they were claimed: claimed, decoding or decoded stretches. */
  private final Map<Long, Stretch> stretches = new LinkedHashMap<>();
  private final ArrayDeque<BatchColumns> free = new ArrayDeque<>();
  private final Map<Object, Member> members = new IdentityHashMap<>();
  private int created;
  private boolean closed;

  /**
   * @param name names the batches' memory
   * @param maxBytes the vector memory one batch may use (a consumer's {@link ConsumerConfig#maxBytes()})
   */
  public BatchExchange(String name, long maxBytes) {
    this(name, maxBytes, System::nanoTime);
  }

  /** As {@link #BatchExchange(String, long)}, with {@code nanoClock} in place of {@link System#nanoTime()}. */
  BatchExchange(String name, long maxBytes, LongSupplier nanoClock) {
    this.name = requireNonNull(name, "name");
    this.maxBytes = maxBytes;
    this.nanoClock = requireNonNull(nanoClock, "nanoClock");
  }

  /** One decoded or claimed stretch of the log: the columns of a batch, and who holds them. */
  static final class Stretch {
    final long after;
    final BatchColumns columns;
    /** The consumer that claimed it to decode it. */
    private final Object owner;
    /** Whether its owner is still decoding it. */
    private boolean decoding = true;
    /** Consumers reading the columns (the owner included, until it releases them). */
    private int holders = 1;

    private Stretch(long after, BatchColumns columns, Object owner) {
      this.after = after;
      this.columns = columns;
      this.owner = owner;
    }

    /** Whether the asking consumer is to decode the records itself into {@link #columns}. */
    boolean decodes() {
      return decoding;
    }

    /** Decoded, and no consumer reads it now. */
    private boolean idle() {
      return !decoding && holders == 0;
    }
  }

  /** A joined consumer: the position after which it asked for records last, and when it last asked or released. */
  private static final class Member {
    long position = Wal.NONE;
    long seenNanos;

    Member(long seenNanos) {
      this.seenNanos = seenNanos;
    }
  }

  /** A consumer joins: two more batches may exist. */
  synchronized void join(Object consumer) {
    members.put(consumer, new Member(nanoClock.getAsLong()));
  }

  /** A consumer leaves (stopped or closed), holding nothing here any more. Idempotent. */
  synchronized void leave(Object consumer) {
    members.remove(consumer);
    retirePassed();
  }

  /**
   * What {@code consumer} does with the records after {@code after}: a stretch it {@link
   * Stretch#decodes()} (claimed for it, with emptied columns), or one another consumer decoded,
   * which it now holds; either way it calls {@link #release} once its sink is done with it. Null
   * while another consumer is decoding those records, or while this one is to wait for a slower
   * one: ask again shortly.
   */
  synchronized Stretch next(Object consumer, long after) {
    return next(consumer, after, false);
  }

  /**
   * As {@link #next(Object, long)} for a consumer that is stopping: never null. Where another
   * consumer is still decoding those records, the stopping one gets a batch of its own (offered to
   * no one) to decode them itself: it hands over what is there before it stops, and waits for no one.
   */
  synchronized Stretch last(Object consumer, long after) {
    return next(consumer, after, true);
  }

  private Stretch next(Object consumer, long after, boolean stopping) {
    ensureOpen();
    Member me = seen(consumer);
    me.position = after;
    retirePassed();
    Stretch stretch = stretches.get(after);
    if (stretch != null && !stretch.decoding) {
      stretch.holders++;
      return stretch;
    }
    if (stretch != null && stretch.owner == consumer) {
      throw new IllegalStateException("WAL consumer asked twice for the records after " + after + " while decoding them");
    }
    if (stretch != null && !stopping) {
      return null;
    }
    BatchColumns columns = acquire(me, stopping);
    if (columns == null) {
      return null;
    }
    Stretch claimed = new Stretch(after, columns, consumer);
    if (stretch == null) {
      stretches.put(after, claimed);
    }
    return claimed;
  }

  /**
   * Whether another consumer has claimed the records after {@code position}: a consumer decoding a
   * stretch that reaches it ends its batch there and takes theirs next.
   */
  synchronized boolean claimed(long position) {
    return stretches.containsKey(position);
  }

  /**
   * The decoder's stretch is decoded and sealed: other consumers may take it from now on. One that
   * holds no records (the consumer stopped before any came) is offered to no one. The decoder still
   * {@link #release}s it.
   */
  synchronized void decoded(Stretch stretch) {
    stretch.decoding = false;
    if (stretch.columns.records() == 0) {
      stretches.remove(stretch.after, stretch);
    }
  }

  /** No consumer takes {@code stretch} from now on (one found it is not what its reader reads); its holders still release it. */
  synchronized void withdraw(Stretch stretch) {
    if (stretches.remove(stretch.after, stretch)) {
      LOG.error("batch exchange {}: the batch after WAL {} was withdrawn: its records are not those a consumer's reader read there",
          name, stretch.after);
    }
  }

  /** {@code consumer}'s sink is done with the stretch (or its decoder gives it up, decoded or not). */
  synchronized void release(Object consumer, Stretch stretch) {
    seen(consumer);
    if (stretch.decoding) {
      stretch.decoding = false; // given up midway: whatever it holds is offered to no one
      stretches.remove(stretch.after, stretch);
    }
    stretch.holders--;
    if (stretch.holders == 0 && stretches.get(stretch.after) != stretch) {
      recycle(stretch.columns);
    } else {
      retirePassed();
    }
  }

  private Member seen(Object consumer) {
    Member member = members.get(consumer);
    if (member == null) {
      throw new IllegalStateException("WAL consumer " + consumer + " has not joined batch exchange " + name);
    }
    member.seenNanos = nanoClock.getAsLong();
    return member;
  }

  /** Frees every decoded stretch that no one holds and no consumer but its decoder may still come to. */
  private void retirePassed() {
    for (Iterator<Stretch> it = stretches.values().iterator(); it.hasNext(); ) {
      Stretch s = it.next();
      if (s.idle() && awaitedBy(s, s.owner, false) == null) {
        it.remove();
        recycle(s.columns);
      }
    }
  }

  /**
   * A consumer other than {@code except} that has not passed the start of {@code s} (only one that
   * showed life within the patience, when {@code activeOnly}); null when there is none.
   */
  private Member awaitedBy(Stretch s, Object except, boolean activeOnly) {
    long now = nanoClock.getAsLong();
    for (Map.Entry<Object, Member> e : members.entrySet()) {
      Member m = e.getValue();
      if (e.getKey() != except && m.position <= s.after && (!activeOnly || now - m.seenNanos < PATIENCE_NANOS)) {
        return m;
      }
    }
    return null;
  }

  private void recycle(BatchColumns columns) {
    if (closed) {
      closeQuietly(columns);
    } else {
      free.push(columns);
    }
  }

  /**
   * Emptied columns for {@code asker} to decode into: free ones, new ones while fewer than two per
   * consumer exist, else the oldest idle decoded stretch's, unless a live consumer behind the asker
   * still waits for it (null: the asker waits) and the asker is not stopping. A stopping consumer
   * that finds none of those gets one more (it stops right after).
   */
  private BatchColumns acquire(Member asker, boolean stopping) {
    BatchColumns columns = free.poll();
    Stretch oldestIdle = null;
    if (columns == null && created >= 2 * members.size()) {
      oldestIdle = stretches.values().stream().filter(Stretch::idle).findFirst().orElse(null);
    }
    if (oldestIdle != null) {
      Member waiting = awaitedBy(oldestIdle, oldestIdle.owner, true);
      if (!stopping && waiting != null && waiting != asker && waiting.position < asker.position) {
        return null;
      }
      stretches.remove(oldestIdle.after);
      columns = oldestIdle.columns;
    } else if (columns == null) {
      if (created >= 2 * members.size() && !stopping) {
        // Each consumer holds at most one batch, so of two per consumer one is always free or idle.
        throw new IllegalStateException("no batch free among " + created + " for " + members.size() + " consumers");
      }
      columns = new BatchColumns(EngineMemory.child(name + "-batch-" + created, maxBytes));
      created++;
    }
    columns.reset();
    return columns;
  }

  /** How many batches exist. */
  synchronized int batches() {
    return created;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("batch exchange " + name + " is closed");
    }
  }

  /** Releases every batch; the consumers are closed first. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Stretch s : stretches.values()) {
      if (s.holders > 0) {
        LOG.error("batch exchange {}: the batch after WAL {} is still held at close", name, s.after);
      }
      closeQuietly(s.columns);
    }
    stretches.clear();
    free.forEach(this::closeQuietly);
    free.clear();
  }

  private void closeQuietly(BatchColumns columns) {
    try {
      columns.close();
    } catch (IllegalStateException e) {
      LOG.error("batch exchange {}: batch memory still in use at close (a sink kept a buffer): {}", name, e.toString());
    }
  }
}
