package io.pingstack.rollups;

import static io.pingstack.engine.Records.append;
import static io.pingstack.engine.Records.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.ConsumerConfig;
import io.pingstack.engine.ConsumerMetrics;
import io.pingstack.engine.Records;
import io.pingstack.engine.ReplayLog;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.engine.ReplayProgress;
import io.pingstack.engine.WalConsumer;
import io.pingstack.engine.WalReplayLog;
import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.proto.Ping;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollups as a sink over a real log. Snapshots are written in the background and a failed one
 * fails the next tick. Replays: the rebuilt cells equal what live ingest produces (the same range
 * twice, during live ingest), take a newly declared dimension, and keep the cells whose first ping
 * the log no longer holds.
 */
class RollupSinkTest {
  private static final String[] EVENTS = {"search", "build", "deploy"};
  private static final List<List<Field>> GROUPINGS =
      List.of(List.of(), List.of(Field.VERSION, Field.DEPLOY_TYPE), List.of(Field.dimension("lang")));
  private static final List<Agg> AGGS = List.of(Agg.COUNT, Agg.DISTINCT_INSTANCES, Agg.SUM, Agg.MIN, Agg.MAX, Agg.P95);

  @TempDir Path dir;

  private final long now = System.currentTimeMillis();

  /** Pings spread over the last 30 hours, out of time order, for 37 instances. */
  private Ping ping(int i) {
    long ageSeconds = (i * 7_919L) % (30 * 3_600);
    return TestPings.ping("inst-" + i % 37, "p-" + i)
        .event(EVENTS[i % EVENTS.length])
        .at(Instant.ofEpochMilli(now - ageSeconds * 1_000))
        .version("5." + i % 4)
        .deployType(i % 5 == 0 ? "docker" : "kubernetes")
        .metric("latency", (i % 100) * 1.5)
        .dimension("lang", new String[] {"go", "java", "ts"}[(i / 3) % 3])
        .build();
  }

  /** Appends records {@code [first, first + n)} of 40 pings each; returns their positions. */
  private List<Long> appendRecords(Wal wal, int first, int n) throws Exception {
    List<Long> positions = new ArrayList<>();
    for (int r = first; r < first + n; r++) {
      Ping[] pings = new Ping[40];
      for (int i = 0; i < pings.length; i++) {
        pings[i] = ping(r * 40 + i);
      }
      positions.add(append(wal, Records.record(pings)));
    }
    return positions;
  }

  private RollupSink sink(String name, String... dimensions) {
    return RollupSink.open(Fixtures.config(dir.resolve(name), dimensions), Duration.ofHours(1), RollupMetrics.NOOP);
  }

  private int consumers;

  /** A consumer under a name of its own: the log takes a name once. */
  private WalConsumer consume(String name, Wal wal, RollupSink sink) {
    return WalConsumer.start(name + "-" + ++consumers, wal, sink, ConsumerConfig.defaults(), ConsumerMetrics.NOOP);
  }

  private static void awaitApplied(Wal wal, RollupSink sink) {
    await("the rollups to apply the whole log", () -> sink.appliedPosition() == wal.lastPosition());
  }

  private static WalReplayLog replayLog(Wal wal) {
    return new WalReplayLog(wal, "replay-test", ConsumerConfig.defaults(), 0, new ReplayProgress(), () -> false);
  }

  /** Every cell, as every aggregate of every event at every step under three groupings, as text. */
  private String dump(RollupReader reader) {
    StringBuilder out = new StringBuilder();
    for (EventSummary event : reader.events()) {
      for (Step step : Step.values()) {
        for (List<Field> groupBy : GROUPINGS) {
          if (groupBy.contains(Field.dimension("lang")) && !reader.declaredDimensions().contains("lang")) {
            continue;
          }
          RollupResult result = reader.read(new RollupQuery(
              event.event(), now - Duration.ofDays(3).toMillis(), now + Duration.ofDays(1).toMillis(), step, AGGS, "latency",
              groupBy, Map.of(), false));
          List<RollupResult.Series> series = new ArrayList<>(result.series());
          series.sort(Comparator.comparing(s -> s.group().toString()));
          for (RollupResult.Series s : series) {
            for (RollupResult.Point p : s.points()) {
              out.append(event.event()).append(' ').append(step).append(' ').append(s.group()).append(' ')
                  .append(p.tMillis()).append(' ').append(Arrays.toString(p.values())).append('\n');
            }
          }
        }
      }
    }
    return out.toString();
  }

  /** The rollups a fresh consumer builds from the whole log: what live ingest produces. */
  private String reference(Wal wal, String... dimensions) {
    try (RollupSink reference = sink("reference-" + (consumers + 1), dimensions); WalConsumer consumer = consume("reference", wal, reference)) {
      awaitApplied(wal, reference);
      return dump(reference);
    }
  }

  @Test
  void aSnapshotThatFailsFailsTheNextTickAndTheTickAfterThatWritesOneWithEverything() throws Exception {
    Path snapshots = dir.resolve("live");
    try (Wal wal = Records.openWal(dir.resolve("wal"))) {
      List<Long> positions = appendRecords(wal, 0, 40);
      try (RollupSink live = sink("live", "lang"); WalReplayLog log = replayLog(wal)) {
        log.read(positions.get(0), positions.get(19), live::accept);
        Files.writeString(snapshots, "a file where the snapshot directory goes");
        long later = System.currentTimeMillis() + Duration.ofHours(2).toMillis();
        live.tick(later);
        assertThat(live.snapshotWriting().handle((written, failure) -> failure).join()).isNotNull();
        assertThatThrownBy(() -> live.tick(later + 1))
            .isInstanceOf(UncheckedIOException.class)
            .hasMessageContaining("cannot write rollup snapshot");
        assertThat(live.durablePosition()).isEqualTo(Wal.NONE);

        log.read(positions.get(20), positions.get(39), live::accept);
        Files.delete(snapshots);
        live.tick(later + 2);
        live.snapshotWriting().join();
        assertThat(live.durablePosition()).isEqualTo(positions.get(39));
      }
      try (RollupSink reopened = sink("live", "lang")) {
        assertThat(reopened.durablePosition()).isEqualTo(positions.get(39));
        assertThat(dump(reopened)).isEqualTo(reference(wal, "lang"));
      }
    }
  }

  @Test
  void replayingTheSameRangeTwiceDuringLiveIngestLeavesEveryCellAsLiveIngestMakesIt() throws Exception {
    try (Wal wal = Records.openWal(dir.resolve("wal"));
        RollupSink live = sink("live", "lang");
        WalConsumer consumer = consume("rollups", wal, live)) {
      List<Long> positions = appendRecords(wal, 0, 100);
      awaitApplied(wal, live);
      CompletableFuture<List<Long>> ingest = CompletableFuture.supplyAsync(() -> {
        try {
          return appendRecords(wal, 100, 100);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      List<ReplayOutcome> outcomes = new ArrayList<>();
      for (int round = 0; round < 2; round++) {
        try (WalReplayLog log = replayLog(wal)) {
          outcomes.add(live.replay(log, positions.get(20), positions.get(60), ReplayOptions.DEFAULT));
        }
      }
      ingest.join();
      awaitApplied(wal, live);

      for (ReplayOutcome outcome : outcomes) {
        assertThat(outcome.count("buckets_rebuilt")).isPositive();
        assertThat(outcome.count("buckets_kept")).isZero();
        assertThat(outcome.count("cells_added")).isPositive().isEqualTo(outcome.count("cells_removed"));
        assertThat(outcome.count("records_scanned")).isEqualTo(41);
      }
      assertThat(dump(live)).isEqualTo(reference(wal, "lang"));
    }
  }

  @Test
  void aNewlyDeclaredDimensionIsRebuiltInTheNewShape() throws Exception {
    try (Wal wal = Records.openWal(dir.resolve("wal"))) {
      List<Long> positions;
      try (RollupSink before = sink("live"); WalConsumer consumer = consume("rollups", wal, before)) {
        positions = appendRecords(wal, 0, 60);
        awaitApplied(wal, before);
      }
      try (RollupSink live = sink("live", "lang"); WalConsumer consumer = consume("rollups", wal, live)) {
        awaitApplied(wal, live);
        String reference = reference(wal, "lang");
        assertThat(dump(live)).as("before the replay the old cells have lang \"\"").isNotEqualTo(reference).contains("{dimension.lang=}");

        ReplayOutcome outcome;
        try (WalReplayLog log = replayLog(wal)) {
          outcome = live.replay(log, positions.get(0), positions.get(59), ReplayOptions.DEFAULT);
        }
        assertThat(outcome.count("cells_added")).isGreaterThan(outcome.count("cells_removed"));
        assertThat(dump(live)).isEqualTo(reference).doesNotContain("{dimension.lang=}");
      }
      try (RollupSink reopened = sink("live", "lang")) {
        assertThat(dump(reopened)).as("the rebuilt cells are in the snapshot").isEqualTo(reference(wal, "lang"));
      }
    }
  }

  @Test
  void cellsWhoseFirstPingTheLogNoLongerHoldsAreKeptAsTheyAre() throws Exception {
    try (Wal wal = Records.openWal(dir.resolve("wal"));
        RollupSink live = sink("live", "lang");
        WalConsumer consumer = consume("rollups", wal, live)) {
      List<Long> positions = appendRecords(wal, 0, 80);
      awaitApplied(wal, live);
      String before = dump(live);
      long cut = positions.get(40);
      try (WalReplayLog log = replayLog(wal)) {
        ReplayOutcome outcome = live.replay(new StartingAt(log, cut), positions.get(60), positions.get(79), ReplayOptions.DEFAULT);
        assertThat(outcome.count("buckets_kept")).isPositive();
        assertThat(outcome.count("first_position")).isGreaterThanOrEqualTo(cut);
      }
      assertThat(dump(live)).isEqualTo(before);
    }
  }

  @Test
  void aDryRunReportsThePlanAndChangesNothing() throws Exception {
    try (Wal wal = Records.openWal(dir.resolve("wal"));
        RollupSink live = sink("live", "lang");
        WalConsumer consumer = consume("rollups", wal, live)) {
      List<Long> positions = appendRecords(wal, 0, 30);
      awaitApplied(wal, live);
      live.tick(System.currentTimeMillis() + Duration.ofHours(2).toMillis());
      live.snapshotWriting().join();
      assertThat(live.durablePosition()).isEqualTo(live.appliedPosition());
      byte[] snapshot = Files.readAllBytes(dir.resolve("live").resolve(SnapshotFile.NAME));
      ReplayOutcome outcome;
      try (WalReplayLog log = replayLog(wal)) {
        outcome = live.replay(log, positions.get(5), positions.get(10), new ReplayOptions(true, false));
      }
      assertThat(outcome.count("buckets_rebuilt")).isPositive();
      assertThat(outcome.count("cells_added")).isZero();
      assertThat(outcome.summary()).startsWith("dry run");
      assertThat(Files.readAllBytes(dir.resolve("live").resolve(SnapshotFile.NAME))).isEqualTo(snapshot);
    }
  }

  /** A log that says it starts at {@code first}, and refuses reads before it: as if retention had deleted the rest. */
  private record StartingAt(ReplayLog log, long first) implements ReplayLog {
    @Override
    public long firstPosition() {
      return first;
    }


    @Override
    public long read(long from, long to, Consumer<ColumnBatch> batches) {
      assertThat(from).as("reads start within the log").isGreaterThanOrEqualTo(first);
      return log.read(from, to, batches);
    }

    @Override
    public long readNow(long from, long to, Consumer<ColumnBatch> batches) {
      assertThat(from).as("reads start within the log").isGreaterThanOrEqualTo(first);
      return log.readNow(from, to, batches);
    }

    @Override
    public AutoCloseable hold(long from) {
      assertThatThrownBy(() -> assertThat(from).isLessThan(first)).isInstanceOf(AssertionError.class);
      return log.hold(from);
    }

    @Override
    public long recordsIn(long from, long to) {
      return log.recordsIn(Math.max(from, first), to);
    }
  }
}
