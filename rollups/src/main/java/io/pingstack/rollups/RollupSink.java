package io.pingstack.rollups;

import io.pingstack.engine.BatchSink;
import io.pingstack.engine.ColumnBatch;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollups as a stage of the WAL consumer: applies each batch's rows, snapshots on a schedule
 * (the snapshot carries the WAL position it includes, which is where a restart resumes), evicts
 * expired cells, and answers queries. After a failed batch the rollups are reloaded from the last
 * snapshot, so a WAL record is never applied twice.
 */
public final class RollupSink implements BatchSink, RollupReader {
  private static final Logger LOG = LoggerFactory.getLogger(RollupSink.class);
  private static final long EVICT_EVERY_MILLIS = Duration.ofMinutes(1).toMillis();

  private final RollupsConfig config;
  private final RollupMetrics metrics;
  private final long snapshotIntervalMillis;
  private final ColumnBatchPing view = new ColumnBatchPing();
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
    for (int row = 0; row < batch.rowCount(); row++) {
      view.load(batch, row);
      r.apply(view);
    }
    r.markApplied(batch.lastPosition());
    partial = false;
  }

  @Override
  public synchronized void tick(long nowMillis) {
    Rollups r = rollups;
    if (nowMillis - lastEvictMillis >= EVICT_EVERY_MILLIS) {
      r.evictExpired(nowMillis);
      lastEvictMillis = nowMillis;
    }
    if (nowMillis - lastSnapshotMillis >= snapshotIntervalMillis) {
      snapshot(r);
      lastSnapshotMillis = nowMillis;
    }
  }

  private void snapshot(Rollups r) {
    if (!partial && r.appliedPosition() != r.durablePosition()) {
      r.snapshot();
    }
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
      snapshot(r);
    } finally {
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
}
