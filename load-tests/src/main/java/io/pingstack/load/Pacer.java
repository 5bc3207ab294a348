package io.pingstack.load;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The schedule of an open-loop run: request {@code i} is intended to be sent at {@code start + i /
 * rate}, whatever the answers do. Free connection slots wait for the next intended time; a request
 * whose intended time comes while no slot is free waits, in order, for the first slot that frees up,
 * and counts as behind schedule. The latency of a request runs from its intended time (the
 * correction for coordinated omission), so a stalled server shows in it instead of merely slowing
 * the sender down. Confined to the event loop thread {@code loop}; its timer's resolution (Netty's
 * NIO loop: 1 ms) bounds how punctually a free slot sends.
 *
 * @param <S> a connection slot, which can carry one request at a time
 */
final class Pacer<S> {
  /** What became of one request offered to a slot. */
  enum Outcome {
    /** Sent: the slot is busy until it is {@link #free}d again. */
    SENT,
    /** The run has nothing to send (with a total, every ping missing is in flight): the request is skipped. */
    NOTHING_TO_SEND,
    /** The slot cannot send (its connection is closing): it leaves the free slots until {@link #free}d again. */
    UNAVAILABLE
  }

  /** Sends one request on a slot. */
  interface Sender<S> {
    Outcome send(S slot, long intendedNanos);
  }

  /** Runs a task on the loop thread after a delay. */
  interface Timer {
    void schedule(Runnable task, long delayNanos);
  }

  private final double nanosPerRequest;
  private final Timer timer;
  private final LongSupplier clock;
  private final Sender<S> sender;
  private final ArrayDeque<S> free = new ArrayDeque<>();
  private long startNanos;
  /** The index of the next request to send. */
  private long next;
  /** The intended time of the request that took the last free slot; MAX_VALUE while a slot is free. */
  private long allBusySince;
  private long lastSentIntendedNanos;
  private long behind;
  private boolean tickPending;
  private boolean stopped;

  /** Paces on {@code loop}'s timer and {@link System#nanoTime}. */
  Pacer(double ratePerSecond, ScheduledExecutorService loop, Sender<S> sender) {
    this(ratePerSecond, (task, delayNanos) -> {
      ScheduledFuture<?> unused = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }, System::nanoTime, sender);
  }

  Pacer(double ratePerSecond, Timer timer, LongSupplier clock, Sender<S> sender) {
    this.nanosPerRequest = 1e9 / ratePerSecond;
    this.timer = timer;
    this.clock = clock;
    this.sender = sender;
  }

  /** Starts the schedule at {@code nowNanos}; no slot is free yet (they connect). */
  void start(long nowNanos) {
    startNanos = nowNanos;
    allBusySince = nowNanos;
  }

  /** {@code slot} can send: it takes the oldest request due, if any, else waits for the next intended time. */
  void free(S slot) {
    if (stopped) {
      return;
    }
    long now = clock.getAsLong();
    Outcome outcome = dispatch(slot, now);
    if (outcome == Outcome.NOTHING_TO_SEND) {
      free.add(slot);
      allBusySince = Long.MAX_VALUE;
      arm(now);
    }
  }

  /** {@code slot} lost its connection: it is no longer free. */
  void remove(S slot) {
    if (free.remove(slot) && free.isEmpty()) {
      allBusySince = clock.getAsLong();
    }
  }

  /** Requests sent after their intended time because no slot was free then. */
  long behind() {
    return behind;
  }

  /** Stops sending; returns how many requests were due by {@code nowNanos} and never sent. */
  long stop(long nowNanos) {
    stopped = true;
    long due = nowNanos < startNanos ? 0 : (long) ((nowNanos - startNanos) / nanosPerRequest) + 1;
    return Math.max(0, due - next);
  }

  private long intended(long index) {
    return startNanos + (long) (index * nanosPerRequest);
  }

  /**
   * Offers {@code slot} the requests due by {@code now}, oldest first, until one is sent; those the
   * run has nothing for are skipped. NOTHING_TO_SEND when none was sent and the slot is still free.
   */
  private Outcome dispatch(S slot, long now) {
    while (intended(next) <= now) {
      long intended = intended(next);
      Outcome outcome = sender.send(slot, intended);
      if (outcome == Outcome.UNAVAILABLE) {
        return outcome;
      }
      next++;
      if (outcome == Outcome.SENT) {
        // Behind: sent late, and every slot was busy at its intended time (approximated as an ideal
        // pacer would have them: the last free slot taken at its request's intended time).
        behind += now > intended && allBusySince <= intended ? 1 : 0;
        lastSentIntendedNanos = intended;
        return outcome;
      }
    }
    return Outcome.NOTHING_TO_SEND;
  }

  /** Sends every request due on the free slots, then waits for the next intended time if a slot is still free. */
  private void tick() {
    tickPending = false;
    if (stopped) {
      return;
    }
    long now = clock.getAsLong();
    while (!free.isEmpty() && intended(next) <= now) {
      S slot = free.poll();
      Outcome outcome = dispatch(slot, now);
      if (outcome == Outcome.NOTHING_TO_SEND) {
        free.addFirst(slot);
        break;
      }
      if (free.isEmpty()) {
        allBusySince = outcome == Outcome.SENT ? lastSentIntendedNanos : now;
      }
    }
    arm(now);
  }

  private void arm(long now) {
    if (!tickPending && !free.isEmpty() && !stopped) {
      tickPending = true;
      timer.schedule(this::tick, Math.max(0, intended(next) - now));
    }
  }
}
