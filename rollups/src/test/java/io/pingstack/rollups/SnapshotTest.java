package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.DAY;
import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
  private static final List<Agg> ALL = List.of(
      Agg.COUNT, Agg.DISTINCT_INSTANCES, Agg.SUM, Agg.MIN, Agg.MAX, Agg.AVG, Agg.P50, Agg.P90, Agg.P95, Agg.P99);

  @TempDir Path dir;

  private final List<TestPing> pings = RandomPings.mix(41, 12_000, 2_000, NOW - 3 * DAY, NOW);
  private final List<TestPing> more = RandomPings.mix(43, 3_000, 2_000, NOW - 3 * DAY, NOW);

  /** Every answer the rollups give for the test data, rendered so that two states compare as text. */
  private static List<String> answers(Rollups rollups) {
    List<String> out = new ArrayList<>();
    for (Step step : Step.values()) {
      for (String metric : List.of("latency", "size")) {
        for (List<Field> groupBy : List.of(List.<Field>of(), List.of(Field.VERSION, Field.dimension("plan")))) {
          for (Map<Field, Set<String>> filter : List.of(Map.<Field, Set<String>>of(), Map.of(Field.dimension("region"), Set.of("eu")))) {
            RollupQuery q = Fixtures.grouped(RandomPings.EVENT, NOW - 3 * DAY, NOW + DAY, step, ALL, metric, groupBy, filter, false);
            for (RollupResult.Series s : rollups.read(q).series()) {
              for (RollupResult.Point p : s.points()) {
                out.add(step + " " + metric + " " + s.group() + filter + " " + p.tMillis() + " " + Arrays.toString(p.values()));
              }
            }
          }
        }
      }
    }
    out.add(rollups.events().toString());
    out.add(rollups.instances(NOW - DAY, Field.VERSION).toString());
    out.add(rollups.seriesCount() + " series, " + rollups.cellCount() + " cells, " + rollups.instanceCount() + " instances");
    return out;
  }

  private RollupsConfig config() {
    return Fixtures.config(dir, "plan", "region");
  }

  @Test
  void reloadedSnapshotAnswersEverythingTheSameAndKeepsItsPosition() {
    List<String> before;
    try (Rollups rollups = Fixtures.open(config())) {
      assertThat(rollups.snapshotPosition()).isEqualTo(Rollups.NONE);
      Fixtures.applyAll(rollups, pings);
      rollups.markApplied(4_242);
      rollups.snapshot();
      assertThat(rollups.durablePosition()).isEqualTo(4_242);
      before = answers(rollups);
      Fixtures.applyAll(rollups, more);
      before.addAll(answers(rollups));
    }
    try (Rollups reloaded = Fixtures.open(config())) {
      assertThat(reloaded.snapshotPosition()).isEqualTo(4_242);
      assertThat(reloaded.appliedPosition()).isEqualTo(4_242);
      assertThat(reloaded.durablePosition()).isEqualTo(4_242);
      List<String> after = answers(reloaded);
      // Cells read back keep growing exactly as the originals did.
      Fixtures.applyAll(reloaded, more);
      after.addAll(answers(reloaded));
      assertThat(after).containsExactlyElementsOf(before);
    }
  }

  /** 10,000 pings in one hour of one series from 3,000 instances: its cells turn into HLL and DDSketch cells half way. */
  private static List<TestPing> sketchedHour() {
    Random random = new Random(53);
    long hour = Step.HOUR.alignDown(NOW - 2 * HOUR);
    List<TestPing> big = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      big.add(TestPing.of(RandomPings.EVENT, "h-" + random.nextInt(3_000), hour + random.nextInt((int) HOUR))
          .metric("latency", RandomPings.skewed(random)));
    }
    return big;
  }

  @Test
  void sketchedCellsKeepGrowingTheSameAfterAReload() {
    List<TestPing> big = sketchedHour();
    List<String> before;
    try (Rollups rollups = Fixtures.open(config())) {
      Fixtures.applyAll(rollups, big.subList(0, 5_000));
      rollups.snapshot();
      Fixtures.applyAll(rollups, big.subList(5_000, 10_000));
      before = answers(rollups);
    }
    try (Rollups reloaded = Fixtures.open(config())) {
      Fixtures.applyAll(reloaded, big.subList(5_000, 10_000));
      assertThat(answers(reloaded)).containsExactlyElementsOf(before);
    }
  }

  /**
   * A snapshot is frozen, then written while (or after) more pings change its cells, exact and
   * sketched ones, add cells, series and instances: it holds the state at its freeze, and the live
   * cells hold everything.
   */
  @ParameterizedTest(name = "written while pings apply: {0}")
  @ValueSource(booleans = {false, true})
  void aFrozenSnapshotHoldsOnlyThePingsAppliedBeforeItWasFrozen(boolean writtenWhilePingsApply) {
    List<TestPing> big = sketchedHour();
    List<String> atFreeze;
    List<String> live;
    try (Rollups rollups = Fixtures.open(config())) {
      Fixtures.applyAll(rollups, pings);
      Fixtures.applyAll(rollups, big.subList(0, 5_000));
      rollups.markApplied(7);
      atFreeze = answers(rollups);
      Rollups.Frozen frozen = rollups.freeze();
      CompletableFuture<Void> written = writtenWhilePingsApply ? CompletableFuture.runAsync(() -> rollups.write(frozen)) : null;
      Fixtures.applyAll(rollups, more);
      Fixtures.applyAll(rollups, big.subList(5_000, 10_000));
      rollups.markApplied(9);
      if (written == null) {
        live = answers(rollups);
        rollups.write(frozen);
      } else {
        written.join();
        live = answers(rollups);
      }
      assertThat(rollups.durablePosition()).isEqualTo(7);
      assertThat(answers(rollups)).as("what the writer read changed nothing live").containsExactlyElementsOf(live);
      assertThat(live).isNotEqualTo(atFreeze);
    }
    try (Rollups reloaded = Fixtures.open(config())) {
      assertThat(reloaded.snapshotPosition()).isEqualTo(7);
      assertThat(answers(reloaded)).containsExactlyElementsOf(atFreeze);
    }
  }

  /** Reads smaller than, across and larger than the read buffer (64 KiB) all come back as written. */
  @Test
  void aBodyReadInPiecesOfEverySizeComesBackExactly() throws IOException {
    Random random = new Random(61);
    byte[][] blocks = new byte[40][];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = new byte[i % 4 == 0 ? 70_000 + random.nextInt(200_000) : random.nextInt(30_000)];
      random.nextBytes(blocks[i]);
    }
    SnapshotFile.write(dir, out -> {
      for (byte[] block : blocks) {
        out.writeInt(block.length);
        out.write(block);
        out.writeLong(block.length * 31L);
      }
    });
    List<byte[]> read = SnapshotFile.read(dir, (in, version) -> {
      List<byte[]> out = new ArrayList<>();
      for (int i = 0; i < blocks.length; i++) {
        byte[] block = new byte[in.readInt()];
        in.readFully(block);
        assertThat(in.readLong()).isEqualTo(block.length * 31L);
        out.add(block);
      }
      return out;
    });
    assertThat(read).containsExactly(blocks);
  }

  @Test
  void aNewSnapshotReplacesTheOldOneAndOnlyItRemains() throws IOException {
    try (Rollups rollups = Fixtures.open(config())) {
      rollups.apply(pings.get(0));
      rollups.markApplied(1);
      rollups.snapshot();
      rollups.apply(pings.get(1));
      rollups.markApplied(2);
      rollups.snapshot();
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(SnapshotFile.NAME);
    }
    try (Rollups reloaded = Fixtures.open(config())) {
      assertThat(reloaded.snapshotPosition()).isEqualTo(2);
      assertThat(reloaded.events().stream().mapToLong(EventSummary::count).sum()).isEqualTo(2);
    }
  }

  @Test
  void leftoverTempFileIsIgnored() throws IOException {
    try (Rollups rollups = Fixtures.open(config())) {
      Fixtures.applyAll(rollups, pings);
      rollups.markApplied(7);
      rollups.snapshot();
    }
    Files.writeString(dir.resolve(SnapshotFile.TEMP_NAME), "half a snapshot, the process died here");
    try (Rollups reloaded = Fixtures.open(config())) {
      assertThat(reloaded.snapshotPosition()).isEqualTo(7);
      assertThat(reloaded.events()).isNotEmpty();
    }
    assertThat(dir.resolve(SnapshotFile.TEMP_NAME)).doesNotExist();
  }

  @Test
  void snapshotPositionIsReadWithoutLoadingTheSnapshotOrTouchingTheDirectory() throws IOException {
    assertThat(Rollups.snapshotPositionIn(dir)).as("no snapshot yet").isEqualTo(Rollups.NONE);
    try (Rollups rollups = Fixtures.open(config())) {
      Fixtures.applyAll(rollups, pings);
      rollups.markApplied(9_001);
      rollups.snapshot();
    }
    Path temp = dir.resolve(SnapshotFile.TEMP_NAME);
    Files.writeString(temp, "half a snapshot of a running service");
    assertThat(Rollups.snapshotPositionIn(dir)).isEqualTo(9_001);
    assertThat(temp).as("another process's temp file is left alone").exists();
    Path file = dir.resolve(SnapshotFile.NAME);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(raf.length() - 1);
    }
    assertThatThrownBy(() -> Rollups.snapshotPositionIn(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void truncatedSnapshotFailsLoudlyNamingTheFile() throws IOException {
    Path file = writeSnapshot();
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(raf.length() / 2);
    }
    assertThatThrownBy(() -> Fixtures.open(config()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("checksum mismatch");
  }

  @Test
  void damagedSnapshotFailsLoudlyNamingTheFile() throws IOException {
    Path file = writeSnapshot();
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(raf.length() / 2);
      int b = raf.read();
      raf.seek(raf.length() / 2);
      raf.write(b ^ 0x10);
    }
    assertThatThrownBy(() -> Fixtures.open(config()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt");
  }

  @Test
  void fileThatIsNoSnapshotFailsLoudlyNamingTheFile() throws IOException {
    Path file = dir.resolve(SnapshotFile.NAME);
    Files.write(file, "not a snapshot at all".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> Fixtures.open(config()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void snapshotWrittenUnderOtherDimensionsIsReKeyedByMergingCells() {
    List<String> byPlan;
    try (Rollups rollups = Fixtures.open(config())) {
      Fixtures.applyAll(rollups, pings);
      rollups.snapshot();
      byPlan = planAnswers(rollups);
    }
    try (Rollups planOnly = Fixtures.open(Fixtures.config(dir, "tier", "plan"))) {
      assertThat(planAnswers(planOnly)).containsExactlyElementsOf(byPlan);
      RollupQuery byTier = Fixtures.grouped(
          RandomPings.EVENT, NOW - 3 * DAY, NOW + DAY, Step.DAY, List.of(Agg.COUNT), null,
          List.of(Field.dimension("tier")), Map.of(), false);
      assertThat(planOnly.read(byTier).series()).extracting(s -> s.group().get("dimension.tier")).containsExactly("");
    }
  }

  /**
   * Answers grouped by plan alone: the same whether or not region splits the series underneath.
   * (Quantiles stay within 1 % but may change: a merged cell can outgrow its exact values.)
   */
  private static List<String> planAnswers(Rollups rollups) {
    List<String> out = new ArrayList<>();
    for (Step step : List.of(Step.MINUTE, Step.HOUR, Step.DAY)) {
      RollupQuery q = Fixtures.grouped(
          RandomPings.EVENT, NOW - 3 * DAY, NOW + DAY, step,
          List.of(Agg.COUNT, Agg.DISTINCT_INSTANCES, Agg.MIN, Agg.MAX), "latency",
          List.of(Field.dimension("plan")), Map.of(), false);
      for (RollupResult.Series s : rollups.read(q).series()) {
        for (RollupResult.Point p : s.points()) {
          out.add(step + " " + s.group() + " " + p.tMillis() + " " + Arrays.toString(p.values()));
        }
      }
    }
    return out;
  }

  private Path writeSnapshot() {
    try (Rollups rollups = Fixtures.open(config())) {
      Fixtures.applyAll(rollups, pings);
      rollups.markApplied(99);
      rollups.snapshot();
    }
    return dir.resolve(SnapshotFile.NAME);
  }

  @Test
  void snapshotIsReportedWithItsSize() throws IOException {
    long[] reported = new long[2];
    RollupMetrics metrics = new RollupMetrics() {
      @Override
      public void snapshotWritten(long bytes, long nanos) {
        reported[0] = bytes;
        reported[1] = nanos;
      }
    };
    try (Rollups rollups = Rollups.open(config(), metrics, () -> NOW)) {
      rollups.apply(TestPing.of("e", "i", NOW - HOUR).metric("m", 1));
      rollups.snapshot();
    }
    assertThat(reported[0]).isEqualTo(Files.size(dir.resolve(SnapshotFile.NAME)));
    assertThat(reported[1]).isPositive();
  }
}
