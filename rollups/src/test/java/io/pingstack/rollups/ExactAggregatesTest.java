package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.DAY;
import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.MINUTE;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExactAggregatesTest {
  /** Few pings per cell: every cell keeps exact instances and values, so quantiles too must be exact. */
  private static final List<Agg> EXACT = List.of(
      Agg.COUNT, Agg.DISTINCT_INSTANCES, Agg.SUM, Agg.MIN, Agg.MAX, Agg.AVG, Agg.P50, Agg.P90, Agg.P95, Agg.P99);
  /** Three versions by plan free, pro or missing. */
  private static final int VERSIONS_TIMES_PLANS = 9;

  @TempDir Path dir;

  private final List<TestPing> pings = RandomPings.mix(7, 4_000, 300, NOW - 40 * HOUR, NOW);

  private Rollups loaded() {
    Rollups rollups = Fixtures.open(Fixtures.config(dir, "plan", "region"));
    Fixtures.applyAll(rollups, pings);
    return rollups;
  }

  @Test
  void everyAggregateOfExactCellsEqualsBruteForceAtEveryStep() {
    try (Rollups rollups = loaded()) {
      for (Step step : Step.values()) {
        for (String metric : List.of("latency", "size")) {
          RollupQuery q = Fixtures.query(RandomPings.EVENT, NOW - 41 * HOUR, NOW + HOUR, step, EXACT, metric);
          TruthAssertions.assertMatches(rollups.read(q), q, pings, TruthAssertions.EXACT);
        }
      }
    }
  }

  @Test
  void groupedAndFilteredAnswersEqualBruteForce() {
    try (Rollups rollups = loaded()) {
      for (Step step : Step.values()) {
        RollupQuery q = Fixtures.grouped(
            RandomPings.EVENT, NOW - 41 * HOUR, NOW, step, EXACT, "latency",
            List.of(Field.VERSION, Field.dimension("plan")),
            Map.of(Field.DEPLOY_TYPE, Set.of("kubernetes", ""), Field.dimension("region"), Set.of("eu")),
            false);
        RollupResult result = rollups.read(q);
        assertThat(result.series()).hasSize(VERSIONS_TIMES_PLANS);
        TruthAssertions.assertMatches(result, q, pings, TruthAssertions.EXACT);
      }
    }
  }

  @Test
  void seriesComeInOrderOfTheirGroupValuesWithMissingPropertiesAsEmptyStrings() {
    try (Rollups rollups = loaded()) {
      RollupQuery q = Fixtures.grouped(
          RandomPings.EVENT, NOW - DAY, NOW, Step.DAY, List.of(Agg.COUNT), null,
          List.of(Field.dimension("plan")), Map.of(), false);
      assertThat(rollups.read(q).series())
          .extracting(s -> s.group().get("dimension.plan"))
          .containsExactly("", "free", "pro");
    }
  }

  @Test
  void fillZeroEmitsEveryBucketAndFillNoneOnlyTheOnesWithPings() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      long t0 = NOW - 10 * MINUTE;
      rollups.apply(TestPing.of("app.started", "a", t0 + 1_000).metric("boot_ms", 120));
      rollups.apply(TestPing.of("app.started", "b", t0 + 3 * MINUTE).metric("boot_ms", 80));
      rollups.apply(TestPing.of("app.started", "c", t0 + 3 * MINUTE + 5).metric("other", 1));
      List<Agg> aggs = List.of(Agg.COUNT, Agg.DISTINCT_INSTANCES, Agg.AVG, Agg.P50);

      RollupQuery none = Fixtures.grouped("app.started", t0, t0 + 5 * MINUTE, Step.MINUTE, aggs, "boot_ms", List.of(), Map.of(), false);
      List<RollupResult.Point> sparse = rollups.read(none).series().get(0).points();
      assertThat(sparse).extracting(RollupResult.Point::tMillis).containsExactly(t0, t0 + 3 * MINUTE);
      assertThat(sparse.get(1).values()).containsExactly(2, 2, 80, 80);

      RollupQuery zero = Fixtures.grouped("app.started", t0, t0 + 5 * MINUTE, Step.MINUTE, aggs, "boot_ms", List.of(), Map.of(), true);
      List<RollupResult.Point> dense = rollups.read(zero).series().get(0).points();
      assertThat(dense).extracting(RollupResult.Point::tMillis)
          .containsExactly(t0, t0 + MINUTE, t0 + 2 * MINUTE, t0 + 3 * MINUTE, t0 + 4 * MINUTE);
      assertThat(dense.get(1).values()).containsExactly(0, 0, Double.NaN, Double.NaN);
      assertThat(dense.get(0).values()).containsExactly(1, 1, 120, 120);
    }
  }

  @Test
  void rangeIsAlignedDownToTheStepAndEndsExclusive() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      long hour = Step.HOUR.alignDown(NOW - 5 * HOUR);
      rollups.apply(TestPing.of("app.started", "a", hour + 10 * MINUTE));
      rollups.apply(TestPing.of("app.started", "a", hour + HOUR + 10 * MINUTE));
      RollupResult result = rollups.read(
          Fixtures.query("app.started", hour + 30 * MINUTE, hour + HOUR + 59 * MINUTE, Step.HOUR, List.of(Agg.COUNT), null));
      assertThat(result.fromMillis()).isEqualTo(hour);
      assertThat(result.toMillis()).isEqualTo(hour + HOUR);
      assertThat(result.series().get(0).points()).extracting(RollupResult.Point::tMillis).containsExactly(hour);
    }
  }

  @Test
  void unknownEventAnswersOneEmptySeriesAndNoGroups() {
    try (Rollups rollups = loaded()) {
      RollupQuery plain = Fixtures.query("never.seen", NOW - HOUR, NOW, Step.MINUTE, List.of(Agg.COUNT), null);
      assertThat(rollups.read(plain).series()).singleElement().satisfies(s -> assertThat(s.points()).isEmpty());
      RollupQuery grouped = Fixtures.grouped(
          "never.seen", NOW - HOUR, NOW, Step.MINUTE, List.of(Agg.COUNT), null, List.of(Field.VERSION), Map.of(), true);
      assertThat(rollups.read(grouped).series()).isEmpty();
    }
  }
}
