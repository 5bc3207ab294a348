package io.pingstack.rollups;

import static java.util.Objects.requireNonNull;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot rollups: per event, cells per series {@code (version, deploy_type, declared dimension
 * values)} at 1 m, 1 h and 1 d, an event catalog and an instance table, with snapshots that carry
 * the WAL position they include.
 *
 * <p>Exactly once: the consumer applies every WAL record after {@link #snapshotPosition()} once,
 * in order, calling {@link #markApplied} after each batch; {@link #snapshot()} writes the state
 * and {@link #appliedPosition()} together, atomically. After a crash, {@link #open} loads that pair
 * and the consumer replays from the position after it, so no record is counted twice or lost.
 *
 * <p>Threads: ONE thread applies ({@link #apply}, {@link #markApplied}, {@link #snapshot} and
 * {@link #freeze}, which must not run concurrently with an apply); {@link #evictExpired} may run on
 * another thread (it waits for a batch being applied), and so may {@link #write} of a frozen
 * snapshot while the applier goes on: the applier copies a frozen cell before it changes it, until
 * the writer has written that cell's series. Reads are safe from any thread at any time: each event
 * has its own read-write lock, taken by the applier per ping in a batch's first pass and per {@value
 * EventRollup#PINGS_PER_LOCK} pings of a series in its second, and per query by a reader, so a
 * query sees every ping of its event in a cell wholly or not at all and never waits for more than
 * that many pings.
 *
 * <p>Bounds: at most {@code max_series} series and at most as many events (a ping of a new event
 * when either is full is counted only in {@link RollupMetrics#seriesCapped()}); at most {@value
 * EventRollup#MAX_NAMES} metric names and dimension keys per event; at most {@code max_instances}
 * instances.
 */
public final class Rollups implements RollupReader, AutoCloseable {
  /** The WAL position of "nothing applied". */
  public static final long NONE = -1;

  private static final Logger LOG = LoggerFactory.getLogger(Rollups.class);

  private final RollupsConfig config;
  private final RollupMetrics metrics;
  private final LongSupplier clock;
  private final String[] dimensionKeys;
  private final Set<String> declaredDimensions;
  private final Retention retention;
  private final SeriesBudget budget;
  /** Null when {@code query_cache_bytes} is 0. */
  private final MergeCache merged;
  private final ConcurrentHashMap<String, EventRollup> events = new ConcurrentHashMap<>();
  private final InstanceTable instances;
  private final Object snapshotLock = new Object();
  /**
   * Held while a batch is applied, and by whatever removes series or events ({@link #evictExpired},
   * {@link #betweenBatches}): a series staged in a batch's first pass must still be there in its second.
   */
  private final Object applying = new Object();
  /** The batch being applied. Applying thread, under {@link #applying}. */
  private final StagedPings staged = new StagedPings();
  private volatile long appliedPosition = NONE;
  private volatile long durablePosition = NONE;
  private volatile boolean closed;

  private Rollups(RollupsConfig config, RollupMetrics metrics, LongSupplier clock) {
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.dimensionKeys = config.dimensions().toArray(String[]::new);
    this.declaredDimensions = Collections.unmodifiableSet(new LinkedHashSet<>(config.dimensions()));
    this.retention = new Retention(config);
    this.budget = new SeriesBudget(config.maxSeries());
    this.merged = config.queryCacheBytes() > 0 ? new MergeCache(config.queryCacheBytes()) : null;
    this.instances = new InstanceTable(config.maxInstances(), metrics);
  }

  /**
   * Loads the snapshot in {@code config.snapshotDir()} or, when there is none, starts empty. A
   * snapshot that cannot be read fails with an {@link IllegalStateException} naming the file.
   */
  public static Rollups open(RollupsConfig config, RollupMetrics metrics) {
    return open(config, metrics, System::currentTimeMillis);
  }

  /** As {@link #open(RollupsConfig, RollupMetrics)}, with the clock retention is measured by. */
  static Rollups open(RollupsConfig config, RollupMetrics metrics, LongSupplier clock) {
    requireNonNull(config, "config");
    requireNonNull(metrics, "metrics");
    requireNonNull(clock, "clock");
    Rollups rollups = new Rollups(config, metrics, clock);
    Long position;
    try {
      position = SnapshotFile.read(config.snapshotDir(), rollups::readState);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the rollup snapshot directory " + config.snapshotDir() + ": " + e, e);
    }
    if (position == null) {
      LOG.info("no rollup snapshot in {}: starting empty", config.snapshotDir());
    } else {
      rollups.appliedPosition = position;
      rollups.durablePosition = position;
      LOG.info(
          "loaded the rollup snapshot in {} up to WAL position {}: {} events, {} series, {} instances",
          config.snapshotDir(), position, rollups.events.size(), rollups.seriesCount(), rollups.instanceCount());
    }
    return rollups;
  }

  /**
   * The WAL position the snapshot in {@code snapshotDir} includes ({@link #NONE} when there is
   * none), read without loading its cells and without changing anything on disk: for commands that
   * inspect a stopped service. A snapshot that cannot be read is an {@link IllegalStateException}
   * naming the file.
   */
  public static long snapshotPositionIn(Path snapshotDir) {
    requireNonNull(snapshotDir, "snapshotDir");
    try {
      Long position = SnapshotFile.readHead(snapshotDir, (in, version) -> in.readLong());
      return position == null ? NONE : position;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the rollup snapshot in " + snapshotDir + ": " + e, e);
    }
  }

  /** The WAL position the loaded or last written snapshot includes ({@link #NONE} for none); replay resumes after it. */
  public long snapshotPosition() {
    return durablePosition;
  }

  /** The last WAL position passed to {@link #markApplied}, or the snapshot's after {@link #open}. */
  public long appliedPosition() {
    return appliedPosition;
  }

  /** The position of the last snapshot written or loaded: what a crash now would resume after. Any thread. */
  public long durablePosition() {
    return durablePosition;
  }

  /**
   * Counts one ping in the catalog, the instance table and the minute, hour and day cells of its
   * series at its event time, leaving out any step whose retention the bucket is already outside.
   * Applying thread only.
   */
  public void apply(PingView ping) {
    requireNonNull(ping, "ping");
    apply(1, row -> ping);
  }

  /**
   * Counts {@code pings} pings, {@code ping.apply(0)} to {@code ping.apply(pings - 1)} in log order,
   * as {@link #apply(PingView)} of each in turn would: in two passes ({@link StagedPings}). The
   * first counts each ping in the catalog and the instance table and stages it with its series, in
   * log order; the second counts the staged pings in the cells, series by series (a batch that
   * stages more than {@link StagedPings#LIMIT} longs goes through both passes in parts). A view
   * returned by {@code ping} may be the same object loaded with another row each time. Applying
   * thread only.
   */
  public void apply(int pings, IntFunction<? extends PingView> ping) {
    requireNonNull(ping, "ping");
    checkOpen();
    synchronized (applying) {
      long now = clock.getAsLong();
      long[] firstKept = new long[Step.values().length];
      for (Step step : Step.values()) {
        firstKept[step.ordinal()] = retention.firstKept(step, now);
      }
      try {
        for (int i = 0; i < pings; i++) {
          stage(ping.apply(i), now, firstKept);
          if (staged.full()) {
            applyStaged(firstKept);
          }
        }
        applyStaged(firstKept);
      } finally {
        staged.clear();
      }
    }
  }

  /** The second pass over what is staged; then the staging is empty again. */
  private void applyStaged(long[] firstKept) {
    staged.sort();
    for (int s = 0; s < staged.seriesCount(); s++) {
      staged.event(s).applyStaged(s, staged, firstKept);
    }
    staged.clear();
  }

  private void stage(PingView ping, long now, long[] firstKept) {
    long instanceHash = ping.instanceHash();
    String name = requireNonNull(ping.event(), "ping.event()");
    while (true) {
      EventRollup event = events.get(name);
      if (event == null) {
        if (events.size() >= config.maxSeries() || budget.exhausted()) {
          metrics.seriesCapped();
          break;
        }
        event = new EventRollup(name, dimensionKeys, retention, budget, metrics, merged);
        EventRollup present = events.putIfAbsent(name, event);
        event = present == null ? event : present;
      }
      if (event.stage(ping, instanceHash, firstKept, staged)) {
        break;
      }
      events.remove(name, event);
    }
    long seen = ping.timestampMillis();
    if (seen >= now - retention.longest()) {
      instances.record(instanceHash, seen, SeriesKey.orEmpty(ping.version()), SeriesKey.orEmpty(ping.deployType()));
    }
  }

  /** Records that every WAL record up to {@code walPosition} has been applied. Applying thread only. */
  public void markApplied(long walPosition) {
    checkOpen();
    if (walPosition < appliedPosition) {
      throw new IllegalArgumentException(
          "WAL position " + walPosition + " is before the already applied position " + appliedPosition);
    }
    appliedPosition = walPosition;
  }

  /**
   * Writes the whole state and {@link #appliedPosition()} to the snapshot file, atomically
   * ({@link SnapshotFile}), replacing the previous one: {@link #freeze} then {@link #write}.
   * Applying thread only, between batches; reads go on meanwhile.
   */
  public void snapshot() {
    write(freeze());
  }

  /**
   * The state at {@link #appliedPosition()}, frozen for {@link #write} on another thread while the
   * applying thread goes on: catalog entries and the instance table are copied, the cells' timelines
   * too, and a frozen cell is copied before it changes (only while its series is not yet written).
   * Applying thread only, between batches; one frozen snapshot at a time, and every one must be
   * written.
   */
  Frozen freeze() {
    checkOpen();
    long start = System.nanoTime();
    List<EventRollup.Frozen> frozen = new ArrayList<>(events.size());
    for (EventRollup event : events.values()) {
      frozen.add(event.freeze());
    }
    Frozen state = new Frozen(appliedPosition, instances.freeze(), frozen, start);
    metrics.snapshotFrozen(System.nanoTime() - start);
    return state;
  }

  /**
   * Writes {@code state} to the snapshot file, atomically ({@link SnapshotFile}), then makes its
   * position the {@link #durablePosition()}. Any thread; the frozen cells are released whether it
   * succeeds or not.
   */
  void write(Frozen state) {
    try {
      checkOpen();
      synchronized (snapshotLock) {
        long bytes;
        try {
          bytes = SnapshotFile.write(config.snapshotDir(), out -> writeState(out, state));
        } catch (IOException e) {
          throw new UncheckedIOException(
              "cannot write rollup snapshot " + config.snapshotDir().resolve(SnapshotFile.NAME) + " at WAL position "
                  + state.position + ": " + e,
              e);
        }
        durablePosition = state.position;
        metrics.snapshotWritten(bytes, System.nanoTime() - state.frozenAtNanos);
      }
    } finally {
      for (EventRollup.Frozen event : state.events) {
        event.release();
      }
    }
  }

  /** The state at one WAL position, as {@link #freeze} took it. */
  static final class Frozen {
    private final long position;
    private final InstanceTable.Frozen instances;
    private final List<EventRollup.Frozen> events;
    private final long frozenAtNanos;

    private Frozen(long position, InstanceTable.Frozen instances, List<EventRollup.Frozen> events, long frozenAtNanos) {
      this.position = position;
      this.instances = instances;
      this.events = events;
      this.frozenAtNanos = frozenAtNanos;
    }
  }

  /**
   * Drops cells whose bucket lies wholly outside its step's retention at {@code nowMillis}, series
   * left without cells (freeing room under the cap), and events and instances not seen within the
   * longest retention. Any thread.
   */
  public void evictExpired(long nowMillis) {
    checkOpen();
    long staleBefore = nowMillis - retention.longest();
    betweenBatches(() -> {
      for (EventRollup event : events.values()) {
        event.evictExpired(nowMillis);
        if (event.removeIfIdle(staleBefore)) {
          events.remove(event.name, event);
        }
      }
      instances.evictSeenBefore(staleBefore);
      return null;
    });
    if (merged != null) {
      merged.evictExpired(retention, nowMillis);
    }
  }

  /** Runs {@code change}, which may remove series or events, while no batch is being applied. */
  <T> T betweenBatches(Supplier<T> change) {
    synchronized (applying) {
      return change.get();
    }
  }

  @Override
  public RollupResult read(RollupQuery query) {
    requireNonNull(query, "query");
    QueryPlan plan = QueryPlan.of(query, config.dimensions());
    EventRollup event = events.get(query.event());
    return event == null ? plan.execute(null, List.of(), -1, null, new Timeline<>()) : event.read(plan);
  }

  /** Every event seen, by name; metric names and dimension keys are capped at 256 per event. */
  @Override
  public List<EventSummary> events() {
    List<EventSummary> summaries = new ArrayList<>(events.size());
    for (EventRollup event : events.values()) {
      summaries.add(event.summary());
    }
    summaries.sort(Comparator.comparing(EventSummary::event));
    return summaries;
  }

  @Override
  public InstancesSummary instances(long activeSinceMillis, Field groupBy) {
    return instances.summarize(activeSinceMillis, groupBy);
  }

  @Override
  public Set<String> declaredDimensions() {
    return declaredDimensions;
  }

  @Override
  public long retentionMillis(Step step) {
    return retention.millis(step);
  }

  /** What the merged-cell cache of queries did since start (all zero when it is off). */
  public QueryCacheStats queryCacheStats() {
    return merged == null ? new QueryCacheStats(0, 0, 0, 0) : merged.stats();
  }

  /** Series held, across all events (a gauge). */
  public int seriesCount() {
    return budget.used();
  }

  /** Cells held, across all events and steps (a gauge; walks every series). */
  public long cellCount() {
    long n = 0;
    for (EventRollup event : events.values()) {
      n += event.cellCount();
    }
    return n;
  }

  /** Instances in the instance table (a gauge). */
  public int instanceCount() {
    return instances.size();
  }

  /** The event named {@code name}, or null: for {@link RollupRebuild}. */
  EventRollup event(String name) {
    return events.get(name);
  }

  String[] dimensionKeys() {
    return dimensionKeys;
  }

  Retention retention() {
    return retention;
  }

  long now() {
    return clock.getAsLong();
  }

  /** Refuses further applies and snapshots; reads keep answering. Does not snapshot. Idempotent. */
  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the rollups are closed");
    }
  }

  private void writeState(DataOutput out, Frozen state) throws IOException {
    out.writeLong(state.position);
    SnapshotFile.writeStrings(out, config.dimensions());
    state.instances.writeTo(out);
    out.writeInt(state.events.size());
    for (EventRollup.Frozen event : state.events) {
      event.writeTo(out);
    }
  }

  private Long readState(DataInput in, int version) throws IOException {
    long position = in.readLong();
    CorruptSnapshotException.check(position >= NONE, "WAL position " + position);
    String[] written = SnapshotFile.readStrings(in, RollupsConfig.MAX_DIMENSIONS).toArray(String[]::new);
    instances.readFrom(in);
    int n = in.readInt();
    CorruptSnapshotException.check(n >= 0, n + " events");
    for (int i = 0; i < n; i++) {
      EventRollup event = EventRollup.readFrom(in, version, written, dimensionKeys, retention, budget, metrics, merged);
      CorruptSnapshotException.check(events.putIfAbsent(event.name, event) == null, "event " + event.name + " twice");
    }
    return position;
  }
}
