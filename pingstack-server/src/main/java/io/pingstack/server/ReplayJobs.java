package io.pingstack.server;

import static java.util.Objects.requireNonNull;

import io.pingstack.engine.ConsumerConfig;
import io.pingstack.engine.ReplayCancelledException;
import io.pingstack.engine.ReplayException;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.engine.ReplayTarget;
import io.pingstack.engine.WalReplayLog;
import io.pingstack.model.Wal;
import io.pingstack.model.WalPositionDeletedException;
import io.pingstack.server.ReplayRefusedException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replays of the running service: one at a time, each on a thread of its own ({@code
 * replay-<id>}) beside live ingest, reading the log through a {@link WalReplayLog} that paces it to
 * {@code replay.max_pings_per_second}, counts its progress and pins its range against retention
 * until it ends. A replay runs its targets in order ({@code all}: the rollups, then the cold store),
 * sharing one progress. The last {@value #KEPT} finished replays are kept, in memory only.
 */
final class ReplayJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayJobs.class);
  static final int KEPT = 100;

  private final Wal wal;
  private final ConsumerConfig batchConfig;
  private final long maxPingsPerSecond;
  private final Map<String, ReplayTarget> targets = new LinkedHashMap<>();
  private final Clock clock;

  private ReplayJob running;
  private final Deque<ReplayJob> finished = new ArrayDeque<>();
  private long done;
  private long failed;
  private long finishedRecords;
  private long finishedPings;
  private boolean closed;

  /**
   * @param batchConfig rows and bytes of one batch, as the live consumers use
   * @param maxPingsPerSecond the speed cap of each replay; 0 for none
   * @param targets what can be replayed into, by {@link ReplayTarget#targetName()}
   */
  ReplayJobs(Wal wal, ConsumerConfig batchConfig, long maxPingsPerSecond, List<ReplayTarget> targets, Clock clock) {
    this.wal = requireNonNull(wal, "wal");
    this.batchConfig = requireNonNull(batchConfig, "batchConfig");
    this.maxPingsPerSecond = maxPingsPerSecond;
    this.clock = requireNonNull(clock, "clock");
    for (ReplayTarget t : targets) {
      this.targets.put(t.targetName(), t);
    }
  }

  /** Names of the targets this service can replay into. */
  List<String> targetNames() {
    return List.copyOf(targets.keySet());
  }

  /**
   * Checks {@code request} against the targets and the log, and starts it; returns at once.
   *
   * @throws ReplayRefusedException when it cannot start: a target this build lacks, another replay
   *     running, a range the log no longer holds or that holds nothing
   */
  ReplayJob start(ReplayRequest request) {
    List<ReplayTarget> chosen = new ArrayList<>();
    for (String name : request.targetNames()) {
      ReplayTarget target = targets.get(name);
      if (target == null) {
        throw new IllegalStateException("no replay target named " + name + " was given (there are: " + targets.keySet() + ")");
      }
      chosen.add(target);
    }
    refuseWhileBusy();
    ReplayRange range = ReplayRange.resolve(wal, request); // reads a few records: not under the lock
    ReplayJob job;
    synchronized (this) {
      refuseWhileBusy();
      job = new ReplayJob(newId(), request, range, chosen, clock.instant());
      running = job;
    }
    Thread thread = new Thread(() -> run(job), "replay-" + job.id());
    thread.setDaemon(true); // a target that ignores cancellation must not keep the JVM from exiting
    try {
      thread.start();
    } catch (RuntimeException | Error e) {
      finish(job, ReplayJob.State.FAILED, "its thread could not start: " + e);
      throw e;
    }
    return job;
  }

  private synchronized void refuseWhileBusy() {
    if (closed) {
      throw new ReplayRefusedException(Reason.SHUTTING_DOWN, "the service is shutting down");
    }
    if (running != null) {
      throw new ReplayRefusedException(Reason.REPLAY_RUNNING, "replay " + running.id() + " is running (one runs at a time):"
          + " wait for it (GET /admin/replay/" + running.id() + ") or cancel it (DELETE)");
    }
  }

  private String newId() {
    while (true) {
      String id = String.format(Locale.ROOT, "%08x", ThreadLocalRandom.current().nextInt());
      if (find(id) == null) {
        return id;
      }
    }
  }

  private void run(ReplayJob job) {
    ReplayRange range = job.range();
    ReplayRequest request = job.request();
    LOG.info("replay {} started: target {} ({}), positions {} to {} ({} records), dry_run={}, rebuild={}, speed cap {}",
        job.id(), request.target(), String.join(" then ", request.targetNames()), range.from(), range.to(), range.records(),
        request.dryRun(), request.rebuild(), maxPingsPerSecond == 0 ? "none" : maxPingsPerSecond + " pings/s");
    Throwable failure = null;
    // Closing the log releases the range's pins: before the job shows as finished.
    try (WalReplayLog log = new WalReplayLog(wal, "replay-" + job.id(), batchConfig, maxPingsPerSecond, job.progress(),
        job::cancelRequested)) {
      log.hold(range.from());
      for (ReplayTarget target : job.targets()) {
        if (job.cancelRequested()) {
          throw new ReplayCancelledException();
        }
        job.outcome(requireNonNull(target.replay(log, range.from(), range.to(), request.options()), "outcome"));
      }
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    finish(job, failure == null ? ReplayJob.State.DONE : ReplayJob.State.FAILED, failure == null ? null : failure(job, failure));
    if (failure instanceof Error error) {
      throw error;
    }
  }

  /** The error an operator reads: the cancellation, the target's or the log's own message, or what broke. */
  private static String failure(ReplayJob job, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ReplayCancelledException && job.cancelRequested()) {
        return ReplayJob.CANCELLED;
      }
    }
    if (e instanceof ReplayException || e instanceof WalPositionDeletedException) {
      return e.getMessage();
    }
    LOG.error("replay {} failed unexpectedly", job.id(), e);
    return "unexpected failure: " + e;
  }

  private void finish(ReplayJob job, ReplayJob.State state, String error) {
    synchronized (this) {
      job.finish(state, error, clock.instant());
      finishedRecords += job.progress().records();
      finishedPings += job.progress().pings();
      if (state == ReplayJob.State.DONE) {
        done++;
      } else {
        failed++;
      }
      running = null;
      finished.addFirst(job);
      while (finished.size() > KEPT) {
        finished.removeLast();
      }
    }
    String summary = String.format(Locale.ROOT, "%d records, %d pings in %.1f s (%.0f pings/s)",
        job.progress().records(), job.progress().pings(), job.elapsedMillis() / 1000.0, job.rate());
    if (state == ReplayJob.State.DONE) {
      StringBuilder outcomes = new StringBuilder();
      for (ReplayOutcome o : job.outcomes()) {
        outcomes.append("; ").append(o.target()).append(": ").append(o.summary()).append(' ').append(o.counts());
      }
      LOG.info("replay {} done: {}{}", job.id(), summary, outcomes);
    } else if (ReplayJob.CANCELLED.equals(error)) {
      LOG.warn("replay {} cancelled after {}; running it again repairs whatever it had begun", job.id(), summary);
    } else {
      LOG.error("replay {} failed after {}: {}; running it again repairs whatever it had begun", job.id(), summary, error);
    }
  }

  /** The replay with this id, running or among the last finished; null when unknown. */
  synchronized ReplayJob find(String id) {
    if (running != null && running.id().equals(id)) {
      return running;
    }
    for (ReplayJob job : finished) {
      if (job.id().equals(id)) {
        return job;
      }
    }
    return null;
  }

  /** The running replay, then the finished ones, newest first. */
  synchronized List<ReplayJob> list() {
    List<ReplayJob> all = new ArrayList<>(finished.size() + 1);
    if (running != null) {
      all.add(running);
    }
    all.addAll(finished);
    return all;
  }

  /** Asks the replay with this id to stop (it stops at its next batch, as {@code failed}); null when unknown. */
  ReplayJob cancel(String id) {
    ReplayJob job = find(id);
    if (job != null && job.state() == ReplayJob.State.RUNNING) {
      LOG.info("replay {}: cancellation asked", id);
      job.cancel();
    }
    return job;
  }

  synchronized boolean isRunning() {
    return running != null;
  }

  /** Replays finished in {@code state} since the start. */
  synchronized long finishedCount(ReplayJob.State state) {
    return state == ReplayJob.State.DONE ? done : state == ReplayJob.State.FAILED ? failed : 0;
  }

  /** Records read by every replay since the start, the running one's so far included. */
  synchronized long recordsTotal() {
    return finishedRecords + (running == null ? 0 : running.progress().records());
  }

  /** Pings read by every replay since the start, the running one's so far included. */
  synchronized long pingsTotal() {
    return finishedPings + (running == null ? 0 : running.progress().pings());
  }

  /**
   * Refuses new replays, cancels the running one and waits up to {@code limit} for it to stop (it
   * releases its pins as it does). Before the log and the live consumers close.
   */
  void close(Duration limit) {
    ReplayJob job;
    synchronized (this) {
      closed = true;
      job = running;
    }
    if (job == null) {
      return;
    }
    job.cancel();
    try {
      if (!job.await(limit)) {
        LOG.warn("replay {} did not stop within {} of its cancellation", job.id(), limit);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
