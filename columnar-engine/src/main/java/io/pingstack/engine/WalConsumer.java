package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.Wal;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalReader;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the WAL on a thread of its own and hands its records to one {@link BatchSink} as
 * {@link ColumnBatch}es, in WAL order, each record once after the sink's resume position.
 *
 * <p>The position is the sink's: at start and after any sink failure the consumer asks
 * {@link BatchSink#resumePosition()} and reads again from the record after it, so what the sink
 * stores with its output is the only checkpoint (RELIABILITY.md: named tailers lose records). A sink
 * failure is logged, counted and retried after an exponential backoff with jitter (at most ~5 s). A
 * record that does not decode, or does not fit in a batch, stops the consumer for good: nothing is
 * ever skipped silently ({@link #failure()}).
 *
 * <p>The consumers of one log share a {@link BatchExchange}: the records one of them decoded, the
 * others hand to their sinks without decoding them again.
 */
public final class WalConsumer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WalConsumer.class);
  private static final long UNKNOWN = Long.MIN_VALUE;
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long SHORT_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long LONG_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final int SHORT_IDLES = 20;
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String name;
  private final Wal wal;
  private final BatchSink sink;
  private final ConsumerConfig config;
  private final ConsumerMetrics metrics;
  private final BatchExchange exchange;
  /** Whether {@link #exchange} is this consumer's alone, closed with it. */
  private final boolean ownExchange;
  /** What the sink gets: a view of the columns decoded here or taken from the exchange. */
  private final ColumnBatch view = ColumnBatch.view();
  /** The record read last: scanned, then appended to a batch (or left pending for the next batch). */
  private final WalRecordColumns columns = new WalRecordColumns();
  /** The columns being decoded (consumer thread). */
  private BatchColumns decoding;
  private final Thread thread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean stopping;
  private volatile long applied = Wal.NONE;
  private volatile long oldestUnappliedMicros = UNKNOWN;
  private volatile Throwable failure;
  private long lastTickNanos;
  private int idles;

  private WalConsumer(
      String name, Wal wal, BatchSink sink, ConsumerConfig config, ConsumerMetrics metrics, BatchExchange exchange, boolean ownExchange) {
    this.name = name;
    this.wal = wal;
    this.sink = sink;
    this.config = config;
    this.metrics = metrics;
    this.exchange = exchange;
    this.ownExchange = ownExchange;
    this.lastTickNanos = System.nanoTime() - TICK_NANOS;
    this.thread = new Thread(this::run, "wal-consumer-" + name);
    thread.setDaemon(true);
  }

  /**
   * Registers {@code name} with the log (its retention then waits for {@link BatchSink#durablePosition()})
   * and starts the consumer's thread.
   */
  public static WalConsumer start(String name, Wal wal, BatchSink sink, ConsumerConfig config, ConsumerMetrics metrics) {
    WalConsumer consumer = open(name, wal, sink, config, metrics);
    consumer.startReading();
    return consumer;
  }

  /**
   * As {@link #start}, without starting the thread: a server registers its consumers first and
   * lets them read once its listeners are up, so that their catch-up does not slow its start.
   */
  public static WalConsumer open(String name, Wal wal, BatchSink sink, ConsumerConfig config, ConsumerMetrics metrics) {
    requireNonNull(config, "config");
    return open(name, wal, sink, config, metrics, new BatchExchange("wal-consumer-" + name, config.maxBytes()), true);
  }

  /**
   * As {@link #open(String, Wal, BatchSink, ConsumerConfig, ConsumerMetrics)}, sharing what it
   * decodes through {@code exchange} with the other consumers of {@code wal} that use it (made with
   * their {@code maxBytes}). The caller closes the exchange after every consumer using it.
   */
  public static WalConsumer open(
      String name, Wal wal, BatchSink sink, ConsumerConfig config, ConsumerMetrics metrics, BatchExchange exchange) {
    return open(name, wal, sink, config, metrics, requireNonNull(exchange, "exchange"), false);
  }

  private static WalConsumer open(
      String name, Wal wal, BatchSink sink, ConsumerConfig config, ConsumerMetrics metrics, BatchExchange exchange, boolean own) {
    requireNonNull(name, "name");
    requireNonNull(wal, "wal");
    requireNonNull(sink, "sink");
    requireNonNull(config, "config");
    requireNonNull(metrics, "metrics");
    WalConsumer consumer = new WalConsumer(name, wal, sink, config, metrics, exchange, own);
    try {
      wal.registerConsumer(name, sink::durablePosition);
    } catch (RuntimeException e) {
      if (own) {
        exchange.close();
      }
      throw e;
    }
    exchange.join(consumer);
    return consumer;
  }

  /** Starts the thread of a consumer made by {@link #open}. Once. */
  public void startReading() {
    thread.start();
  }

  public String name() {
    return name;
  }

  /** The position of the last WAL record the sink accepted (not necessarily durable yet); NONE for none. */
  public long appliedPosition() {
    return applied;
  }

  /** How many WAL records are after {@link #appliedPosition()}. Any thread. */
  public long lagRecords() {
    long after = applied;
    return wal.recordsBetween(after, wal.lastPosition());
  }

  /**
   * Seconds, by the wall clock, since the gateway received the oldest WAL record the sink has not
   * accepted yet (the first record after {@link #appliedPosition()}); 0 when every record up to the
   * log's last position is accepted. The record's {@code received_at} is the one the consumer read
   * for it, or, while the consumer has not read it yet, the one peeked from the log. Any thread.
   */
  public double lagSeconds() {
    long after = applied;
    return secondsBehind(after, oldestUnappliedMicros);
  }

  /** The sink's {@link BatchSink#durablePosition()}: where a restart would resume. Any thread. */
  public long durablePosition() {
    return sink.durablePosition();
  }

  /**
   * How many WAL records are after {@link #durablePosition()}: for a store, the records whose rows
   * are not all stored yet (a ClickHouse store buffers accepted rows for seconds before its
   * INSERT, which {@link #lagRecords()} does not count); for the rollups, what a restart would
   * read again. Any thread.
   */
  public long durableLagRecords() {
    return wal.recordsBetween(sink.durablePosition(), wal.lastPosition());
  }

  /** As {@link #lagSeconds()}, for the first record after {@link #durablePosition()}. Any thread. */
  public double durableLagSeconds() {
    return secondsBehind(sink.durablePosition(), UNKNOWN);
  }

  /**
   * Seconds since the gateway received the first record after {@code after} ({@code knownMicros}
   * when the consumer already read it, else peeked from the log); 0 when there is none.
   */
  private double secondsBehind(long after, long knownMicros) {
    long last = wal.lastPosition();
    if (last == Wal.NONE || after >= last) {
      return 0;
    }
    long receivedAt = knownMicros == UNKNOWN ? peekReceivedAt(after) : knownMicros;
    if (receivedAt == UNKNOWN) {
      return 0;
    }
    long nowMicros = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
    return Math.max(0, nowMicros - receivedAt) / 1e6;
  }

  /** Why the consumer stopped for good, or null while it runs (or was closed). */
  public Throwable failure() {
    return failure;
  }

  /** Stops the thread (after it hands over a partial batch), closes the sink, leaves the exchange. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stopping = true;
    LockSupport.unpark(thread);
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      sink.close();
    } finally {
      exchange.leave(this);
      if (ownExchange) {
        exchange.close();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      read();
    } finally {
      exchange.leave(this); // stopped, for good or to close: the others wait for it no more
    }
  }

  private void read() {
    int failures = 0;
    while (!stopping) {
      String step = "resumePosition()";
      try {
        long resume = sink.resumePosition();
        applied = resume;
        oldestUnappliedMicros = UNKNOWN;
        step = "reading the WAL after position " + resume;
        try (WalReader reader = wal.reader(resume == Wal.NONE ? Wal.NONE : resume + 1)) {
          consume(reader);
        }
        return;
      } catch (SinkFailure e) {
        step = e.getMessage();
        if (stopping) {
          LOG.warn("WAL consumer {}: {} failed while stopping; the records are read again at the next start: {}", name, step, e.getCause().toString());
          return;
        }
        failures = retryLater(step, e.getCause(), failures);
      } catch (WalCorruptException | RecordTooLargeException e) {
        stop(e.getMessage() + "; records are never skipped: repair or move the log, then restart", e);
        return;
      } catch (RuntimeException e) {
        if (stopping) {
          return;
        }
        failures = retryLater(step, e, failures);
      } catch (Error e) {
        stop("unexpected error", e);
        throw e;
      }
      if (failures > 0 && !stopping) {
        backOff(failures);
      }
    }
  }

  /**
   * Returns when stopping, once it has handed over the records there are (one batch at most; the
   * rest are read again at the next start); throws {@link SinkFailure} when the sink does.
   */
  private void consume(WalReader reader) {
    boolean pending = false;
    while (true) {
      boolean last = stopping;
      BatchExchange.Stretch stretch = last ? exchange.last(this, applied) : exchange.next(this, applied);
      if (stretch == null) {
        idle(); // another consumer is decoding the records that come next
        continue;
      }
      try {
        boolean taken = !stretch.decodes();
        if (taken) {
          skip(reader, stretch, pending);
          pending = false;
          idles = 0;
        } else {
          pending = decode(reader, stretch.columns, pending, last);
          exchange.decoded(stretch);
        }
        if (stretch.columns.records() > 0) {
          if (oldestUnappliedMicros == UNKNOWN) {
            oldestUnappliedMicros = stretch.columns.firstReceivedAtMicros();
          }
          handOver(stretch.columns);
          if (taken) {
            metrics.taken(stretch.columns.records());
          }
          oldestUnappliedMicros = pending ? columns.receivedAtMicros() : UNKNOWN;
        }
      } finally {
        exchange.release(this, stretch);
      }
      if (last) {
        return;
      }
      tickIfDue();
    }
  }

  /**
   * Decodes the records after {@link #applied} into {@code into} (the first one already read when
   * {@code pending}) until a bound of the config is reached, another consumer has claimed the
   * records that follow, or the consumer stops (when {@code last}, once no record is left to read);
   * seals it. Returns whether the record read last did not fit and is left pending in {@link
   * #columns}.
   */
  private boolean decode(WalReader reader, BatchColumns into, boolean pending, boolean last) {
    long maxDelayNanos = config.maxDelay().toNanos();
    long firstNanos = 0;
    boolean left = false;
    decoding = into;
    while (last || !stopping) {
      if (!pending) {
        if (into.records() > 0 && exchange.claimed(into.lastPosition())) {
          break;
        }
        if (!next(reader)) {
          if (last || into.records() > 0 && System.nanoTime() - firstNanos >= maxDelayNanos) {
            break;
          }
          idle();
          continue;
        }
      }
      pending = false;
      idles = 0;
      if (oldestUnappliedMicros == UNKNOWN) {
        oldestUnappliedMicros = columns.receivedAtMicros();
      }
      if (!append(into)) {
        left = true;
        break;
      }
      if (into.records() == 1) {
        firstNanos = System.nanoTime();
      }
      if (into.rowCount() >= config.maxRows() || System.nanoTime() - firstNanos >= maxDelayNanos) {
        break;
      }
    }
    into.seal();
    decoding = null;
    return left;
  }

  /**
   * Moves {@code reader} past the records of {@code stretch}, which another consumer decoded (the
   * first of them already read when {@code pending}), checking that they are the ones it holds. If
   * they are not, the stretch is withdrawn from the exchange (no one takes it again) and this
   * consumer reads again from its sink's position, decoding for itself.
   */
  private void skip(WalReader reader, BatchExchange.Stretch stretch, boolean pending) {
    BatchColumns taken = stretch.columns;
    long first = pending ? columns.position() : reader.skip();
    long last = first;
    for (int i = 1; i < taken.records(); i++) {
      last = reader.skip();
    }
    if (first != taken.firstPosition() || last != taken.lastPosition()) {
      exchange.withdraw(stretch);
      throw new IllegalStateException("the batch decoded by another consumer holds WAL " + taken.firstPosition() + "–"
          + taken.lastPosition() + ", but this consumer's reader is at " + first + "–" + last);
    }
  }

  /**
   * Scans the next record into {@link #columns}; false when there is none yet. Before a record that
   * does not decode stops everything, the ones before it are handed over.
   */
  private boolean next(WalReader reader) {
    try {
      WalReader.RawEntry entry = reader.nextRaw();
      if (entry == null) {
        return false;
      }
      columns.scan(entry.position(), entry.bytes());
      return true;
    } catch (WalCorruptException e) {
      throw handOverBefore(e);
    }
  }

  /**
   * Appends the scanned record to {@code into}; false when it does not fit. A ping in it that does
   * not decode (found only now: the scan reads the record's own fields) stops everything, after the
   * records before it are handed over; the rows of the record already written are discarded by
   * {@link BatchColumns#seal}.
   */
  private boolean append(BatchColumns into) {
    try {
      return into.tryAppend(columns, config.maxRows());
    } catch (WalCorruptException e) {
      throw handOverBefore(e);
    }
  }

  /** Hands over the records decoded before the one that does not decode; returns {@code e} to throw. */
  private WalCorruptException handOverBefore(WalCorruptException e) {
    BatchColumns before = decoding;
    decoding = null;
    if (before != null && before.records() > 0) {
      before.seal();
      handOver(before);
    }
    return e;
  }

  /** Hands sealed columns to the sink. */
  private void handOver(BatchColumns batch) {
    view.show(batch);
    long started = System.nanoTime();
    try {
      sink.accept(view);
    } catch (RuntimeException e) {
      throw new SinkFailure("accept of WAL " + batch.firstPosition() + "–" + batch.lastPosition()
          + " (" + batch.records() + " records, " + batch.rowCount() + " rows)", e);
    }
    metrics.applied(batch.records(), batch.rowCount(), System.nanoTime() - started);
    applied = batch.lastPosition();
  }

  private void idle() {
    tickIfDue();
    LockSupport.parkNanos(this, idles++ < SHORT_IDLES ? SHORT_IDLE_NANOS : LONG_IDLE_NANOS);
  }

  private void tickIfDue() {
    long now = System.nanoTime();
    if (now - lastTickNanos < TICK_NANOS) {
      return;
    }
    lastTickNanos = now;
    try {
      sink.tick(System.currentTimeMillis());
    } catch (RuntimeException e) {
      throw new SinkFailure("tick after WAL " + applied, e);
    }
  }

  private int retryLater(String step, Throwable cause, int failuresBefore) {
    int failures = failuresBefore + 1;
    metrics.failed();
    if (failures == 1) {
      LOG.warn("WAL consumer {}: {} failed; retrying from the sink's resume position with backoff (at most {} s): {}",
          name, step, TimeUnit.NANOSECONDS.toSeconds(MAX_BACKOFF_NANOS), cause.toString(), cause);
    } else {
      LOG.warn("WAL consumer {}: {} failed again ({} in a row); retrying with backoff: {}", name, step, failures, cause.toString());
    }
    return failures;
  }

  /** Sleeps for an exponential delay with jitter (half fixed, half random), waking early to stop. */
  private void backOff(int failures) {
    long ceiling = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(failures - 1, 20));
    long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    long deadline = System.nanoTime() + delay;
    for (long left = delay; left > 0 && !stopping; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
    }
  }

  private void stop(String reason, Throwable cause) {
    failure = cause;
    metrics.stopped();
    LOG.error("WAL consumer {} STOPPED at applied position {}: {}", name, applied, reason, cause);
  }

  private long peekReceivedAt(long after) {
    try (WalReader reader = wal.reader(after == Wal.NONE ? Wal.NONE : after + 1)) {
      WalReader.RawEntry next = reader.nextRaw();
      if (next == null) {
        return UNKNOWN;
      }
      WalRecordColumns peeked = new WalRecordColumns();
      peeked.scan(next.position(), next.bytes());
      return peeked.receivedAtMicros();
    } catch (RuntimeException e) {
      return UNKNOWN;
    }
  }

  /** A sink call threw; the message names the call and the WAL range. */
  private static final class SinkFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SinkFailure(String what, RuntimeException cause) {
      super(what, cause);
    }
  }
}
