package io.pingstack.rollups;

import io.pingstack.engine.BatchSink;
import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.ReplayException;
import io.pingstack.engine.ReplayLog;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.engine.ReplayTarget;
import io.pingstack.model.WalPositionDeletedException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollups as a stage of the WAL consumer: applies each batch's rows, snapshots on a schedule
 * (the snapshot carries the WAL position it includes, which is where a restart resumes), evicts
 * expired cells, and answers queries. After a failed batch the rollups are reloaded from the last
 * snapshot, so a WAL record is never applied twice.
 *
 * <p>A scheduled snapshot stops the applying thread only to freeze the state ({@link
 * Rollups#freeze}); a thread of its own ({@value #WRITER_THREAD}) writes and syncs it while the
 * batches after it are applied, one snapshot at a time. A write that failed fails the next {@link
 * #tick}, as a snapshot written in place would have, and the next tick after that tries again.
 * Memory while it writes: the frozen timelines (8 bytes per cell), and a copy of each cell changed
 * before the writer has written its series (for pings of now, the current minute, hour and day of
 * the active series; for late pings spread over the whole retention, at worst every cell).
 *
 * <p>As a {@link ReplayTarget} it rebuilds the cells a replayed range touches ({@link
 * RollupRebuild}) on the replay's thread; it takes the lock the consumer's calls hold only to plan,
 * to read the last stretch of the log the live cells hold, and to swap and snapshot.
 */
public final class RollupSink implements BatchSink, RollupReader, ReplayTarget {
  private static final Logger LOG = LoggerFactory.getLogger(RollupSink.class);
  private static final long EVICT_EVERY_MILLIS = Duration.ofMinutes(1).toMillis();
  /** The rebuild reads without the applier waiting until at most this many records are left. */
  private static final long LAST_STRETCH_RECORDS = 2_000;
  private static final int CATCH_UP_ROUNDS = 8;
  static final String WRITER_THREAD = "rollups-snapshot";

  private final RollupsConfig config;
  private final RollupMetrics metrics;
  private final long snapshotIntervalMillis;
  private final ColumnBatchPing view = new ColumnBatchPing();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, WRITER_THREAD);
    thread.setDaemon(true);
    return thread;
  });
  /** The snapshot being written by {@link #writer}, or null. */
  private CompletableFuture<Void> writing;
  private volatile Rollups rollups;
  /** True while a batch is half applied: its {@code accept} threw, so the cells hold part of it. */
  private boolean partial;
  private long lastSnapshotMillis;
  private long lastEvictMillis;
  private boolean closed;

  private RollupSink(RollupsConfig config, Duration snapshotInterval, RollupMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.snapshotIntervalMillis = snapshotInterval.toMillis();
    this.rollups = Rollups.open(config, metrics);
    this.lastSnapshotMillis = System.currentTimeMillis();
  }

  /** Loads the newest snapshot (or starts empty); the first {@link #tick} evicts what expired while the service was down. */
  public static RollupSink open(RollupsConfig config, Duration snapshotInterval, RollupMetrics metrics) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(metrics, "metrics");
    if (snapshotInterval.isNegative() || snapshotInterval.isZero()) {
      throw new IllegalArgumentException("rollups.snapshot_interval must be positive: " + snapshotInterval);
    }
    return new RollupSink(config, snapshotInterval, metrics);
  }

  /**
   * The position the cells include. After a batch that failed half way, the cells are first
   * reloaded from the last snapshot, so that no record is applied twice.
   */
  @Override
  public synchronized long resumePosition() {
    if (partial) {
      awaitWriting();
      LOG.warn("reloading the rollups from their snapshot in {} after a failed batch; the WAL after position {} is applied again",
          config.snapshotDir(), rollups.durablePosition());
      Rollups reloaded = Rollups.open(config, metrics);
      Rollups old = rollups;
      rollups = reloaded;
      old.close();
      partial = false;
    }
    return rollups.appliedPosition();
  }

  @Override
  public synchronized void accept(ColumnBatch batch) {
    Rollups r = rollups;
    partial = true;
    r.apply(batch.rowCount(), row -> {
      view.load(batch, row);
      return view;
    });
    r.markApplied(batch.lastPosition());
    partial = false;
  }

  @Override
  public synchronized void tick(long nowMillis) {
    Rollups r = rollups;
    if (writing != null && writing.isDone()) {
      CompletableFuture<Void> written = writing;
      writing = null;
      try {
        written.join();
      } catch (CompletionException e) {
        lastSnapshotMillis = 0;
        throw e.getCause() instanceof RuntimeException cause ? cause : e;
      }
    }
    if (nowMillis - lastEvictMillis >= EVICT_EVERY_MILLIS) {
      r.evictExpired(nowMillis);
      lastEvictMillis = nowMillis;
    }
    if (writing == null && nowMillis - lastSnapshotMillis >= snapshotIntervalMillis) {
      if (hasUnsnapshotted(r)) {
        Rollups.Frozen state = r.freeze();
        writing = CompletableFuture.runAsync(() -> r.write(state), writer);
      }
      lastSnapshotMillis = nowMillis;
    }
  }

  /** True when whole batches were applied after the last snapshot (none half applied). */
  private boolean hasUnsnapshotted(Rollups r) {
    return !partial && r.appliedPosition() != r.durablePosition();
  }

  /** The snapshot being written, or a completed future when none is: for tests. */
  synchronized CompletableFuture<Void> snapshotWriting() {
    return writing == null ? CompletableFuture.completedFuture(null) : writing;
  }

  /** Waits for the snapshot being written, if any; a failure is logged, and the caller snapshots or reloads next. */
  private void awaitWriting() {
    if (writing == null) {
      return;
    }
    try {
      writing.join();
    } catch (CompletionException e) {
      LOG.warn("rollup snapshot in {} failed: {}", config.snapshotDir(), e.getCause().toString(), e.getCause());
    } finally {
      writing = null;
    }
  }

  @Override
  public String targetName() {
    return "rollups";
  }

  /**
   * Rebuilds every cell a ping of {@code [from, to]} falls into from the log ({@link RollupRebuild}),
   * swaps the rebuilt cells in and snapshots. Cells whose first ping the log no longer holds are kept
   * as they are and counted ({@code buckets_kept}). A dry run plans and reports only.
   */
  @Override
  public ReplayOutcome replay(ReplayLog log, long from, long to, ReplayOptions options) {
    RollupRebuild rebuild;
    synchronized (this) {
      rebuild = new RollupRebuild(rollups);
    }
    long scanned = log.read(from, to, rebuild::touch);
    long start;
    synchronized (this) {
      checkSameRollups(rebuild);
      start = rebuild.plan(log.firstPosition());
    }
    if (rebuild.isEmpty()) {
      return outcome(rebuild.counts(), scanned, 0, (options.dryRun() ? "dry run: " : "")
          + "no cell to rebuild: the range's pings fall into no retained cell the log holds from its start");
    }
    if (options.dryRun()) {
      Map<String, Long> counts = rebuild.counts();
      long upTo = appliedPosition();
      long toRead = log.recordsIn(start, upTo);
      counts.put("first_position", start);
      return outcome(counts, scanned, 0, "dry run: would rebuild " + counts.get("buckets_rebuilt") + " buckets of "
          + counts.get("events") + " events from " + toRead + " records from WAL position " + start + "; "
          + counts.get("buckets_kept") + " buckets kept (the log no longer holds their first ping)");
    }
    try {
      log.hold(start);
    } catch (WalPositionDeletedException e) {
      throw new ReplayException("WAL retention deleted position " + start + ", where the rebuild must start, while the replay planned; run it again", e);
    }
    long read = 0;
    long next = start;
    for (int round = 0; round < CATCH_UP_ROUNDS; round++) {
      long upTo = appliedPosition();
      long left = upTo < next ? 0 : log.recordsIn(next, upTo);
      if (left >= 0 && left <= LAST_STRETCH_RECORDS) {
        break; // an unknown count (-1) is read here, not while the applier waits
      }
      read += log.read(next, upTo, rebuild::rebuild);
      next = Math.max(next, rebuild.lastRebuilt() + 1);
    }
    Map<String, Long> counts;
    synchronized (this) {
      checkSameRollups(rebuild);
      if (partial) {
        throw new ReplayException("a batch failed half way while the replay ran; the rollups reload from their snapshot: run the replay again");
      }
      awaitWriting();
      Rollups r = rollups;
      long upTo = r.appliedPosition();
      if (upTo >= next) {
        read += log.readNow(next, upTo, rebuild::rebuild);
      }
      counts = rebuild.swap();
      r.snapshot();
      lastSnapshotMillis = System.currentTimeMillis();
    }
    counts.put("first_position", start);
    LOG.info("replay into the rollups: rebuilt {} buckets of {} events from {} WAL records from position {} ({} cells out, {} in); {} buckets kept",
        counts.get("buckets_rebuilt"), counts.get("events"), read, start, counts.get("cells_removed"), counts.get("cells_added"),
        counts.get("buckets_kept"));
    return outcome(counts, scanned, read, "rebuilt " + counts.get("buckets_rebuilt") + " buckets of " + counts.get("events")
        + " events from " + read + " records from WAL position " + start + "; " + counts.get("buckets_kept")
        + " buckets kept (the log no longer holds their first ping)");
  }

  private void checkSameRollups(RollupRebuild rebuild) {
    if (rebuild.rollups() != rollups) {
      throw new ReplayException("the rollups were reloaded from their snapshot while the replay ran (a batch failed); run the replay again");
    }
  }

  private ReplayOutcome outcome(Map<String, Long> counts, long scanned, long read, String summary) {
    counts.put("records_scanned", scanned);
    counts.put("records_rebuilt_from", read);
    return new ReplayOutcome(targetName(), counts, summary);
  }

  @Override
  public long durablePosition() {
    return rollups.durablePosition();
  }

  /** Position of the last WAL record applied to the cells (ahead of {@link #durablePosition()} between snapshots). */
  public long appliedPosition() {
    return rollups.appliedPosition();
  }

  /** Snapshots what was applied since the last snapshot, then releases the rollups. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Rollups r = rollups;
    try {
      awaitWriting();
      if (hasUnsnapshotted(r)) {
        r.snapshot();
      }
    } finally {
      writer.shutdown();
      r.close();
    }
  }

  @Override
  public RollupResult read(RollupQuery query) {
    return rollups.read(query);
  }

  @Override
  public List<EventSummary> events() {
    return rollups.events();
  }

  @Override
  public InstancesSummary instances(long activeSinceMillis, Field groupBy) {
    return rollups.instances(activeSinceMillis, groupBy);
  }

  @Override
  public Set<String> declaredDimensions() {
    return rollups.declaredDimensions();
  }

  @Override
  public long retentionMillis(Step step) {
    return rollups.retentionMillis(step);
  }

  public int seriesCount() {
    return rollups.seriesCount();
  }

  public long cellCount() {
    return rollups.cellCount();
  }

  public int instanceCount() {
    return rollups.instanceCount();
  }

  public QueryCacheStats queryCacheStats() {
    return rollups.queryCacheStats();
  }
}
