package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.DAY;
import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.PaginatedStore;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantilesTest {
  private static final List<Agg> QUANTILES = List.of(Agg.P50, Agg.P90, Agg.P95, Agg.P99, Agg.MIN, Agg.MAX);

  @TempDir Path dir;

  @Test
  void quantilesOfSkewedValuesWithNegativesAndZerosAreWithinOnePercentAtEveryStep() {
    // 30,000 pings over 30 hours: minute cells stay exact, hour and day cells become sketches.
    List<TestPing> pings = RandomPings.mix(17, 30_000, 500, NOW - 30 * HOUR, NOW);
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir, "plan", "region"))) {
      Fixtures.applyAll(rollups, pings);
      for (Step step : Step.values()) {
        RollupQuery united = Fixtures.query(RandomPings.EVENT, NOW - 2 * DAY, NOW, step, QUANTILES, "latency");
        RollupQuery grouped = Fixtures.grouped(
            RandomPings.EVENT, NOW - 2 * DAY, NOW, step, QUANTILES, "latency",
            List.of(Field.VERSION, Field.dimension("region")), Map.of(), false);
        TruthAssertions.assertMatches(rollups.read(united), united, pings, TruthAssertions.API);
        TruthAssertions.assertMatches(rollups.read(grouped), grouped, pings, TruthAssertions.API);
      }
    }
  }

  @Test
  void smallBucketsAnswerTheExactValueAtTheRank() {
    long minute = Step.MINUTE.alignDown(NOW - HOUR);
    double[] values = {5, -3, 0, 12.5, 7, 7, 1e-3, -250, 99, 42};
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      for (int i = 0; i < values.length; i++) {
        rollups.apply(TestPing.of("e", "i" + i, minute + i).version(i % 2 == 0 ? "a" : "b").metric("m", values[i]));
      }
      RollupQuery q = Fixtures.query("e", minute, minute + 60_000, Step.MINUTE, List.of(Agg.P50, Agg.P90, Agg.P99), "m");
      // Sorted: -250 -3 0 0.001 5 7 7 12.5 42 99; ranks floor(q * 9) = 4, 8, 8.
      assertThat(rollups.read(q).series().get(0).points().get(0).values()).containsExactly(5, 42, 42);
    }
  }

  @Test
  void sketchedCellsMergedAcrossSeriesStayWithinOnePercent() {
    Random random = new Random(23);
    List<TestPing> pings = new java.util.ArrayList<>();
    long hour = Step.HOUR.alignDown(NOW - 5 * HOUR);
    // Each of 20 series' hour cells holds 500 values (a sketch); the series have different scales.
    for (int s = 0; s < 20; s++) {
      for (int i = 0; i < 500; i++) {
        double value = Math.exp(s / 4.0 + 2 * random.nextGaussian()) * (random.nextInt(5) == 0 ? -1 : 1);
        pings.add(TestPing.of("e", "i" + i, hour + random.nextInt((int) HOUR)).version("v" + s).metric("m", value));
      }
    }
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      Fixtures.applyAll(rollups, pings);
      RollupQuery q = Fixtures.query("e", hour, hour + HOUR, Step.HOUR, List.of(Agg.P50, Agg.P90, Agg.P95, Agg.P99), "m");
      TruthAssertions.assertMatches(rollups.read(q), q, pings, TruthAssertions.API);
    }
  }

  @Test
  void hugeAndTinyMagnitudesStayAccurateAndBounded() {
    long minute = Step.MINUTE.alignDown(NOW - HOUR);
    List<TestPing> pings = new java.util.ArrayList<>();
    Random random = new Random(29);
    for (int i = 0; i < 1_000; i++) {
      double value = Math.pow(10, random.nextInt(600) - 300) * (1 + random.nextDouble());
      pings.add(TestPing.of("e", "i", minute + i).metric("m", value));
    }
    pings.add(TestPing.of("e", "i", minute).metric("m", Double.MAX_VALUE));
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      Fixtures.applyAll(rollups, pings);
      RollupQuery q = Fixtures.query("e", minute, minute + 60_000, Step.MINUTE, List.of(Agg.P50, Agg.P90, Agg.MAX), "m");
      TruthAssertions.assertMatches(rollups.read(q), q, pings, TruthAssertions.API);
    }
  }

  @Test
  void aSketchMovesToPaginatedStoresOnlyWhenItsValuesSpreadBeyondTheDenseBound() {
    DDSketch narrow = QuantileSketches.create();
    for (int i = 1; i <= 10_000; i++) {
      narrow = QuantileSketches.add(narrow, i * 0.37);
    }
    assertThat(narrow.getPositiveValueStore()).isInstanceOf(UnboundedSizeDenseStore.class);

    DDSketch wide = QuantileSketches.create();
    wide = QuantileSketches.add(wide, 1e-3);
    wide = QuantileSketches.add(wide, 1e12);
    assertThat(wide.getPositiveValueStore()).isInstanceOf(UnboundedSizeDenseStore.class);
    wide = QuantileSketches.add(wide, 1e300);
    assertThat(wide.getPositiveValueStore()).isInstanceOf(PaginatedStore.class);
    assertThat(wide.getCount()).isEqualTo(3);
    assertThat(wide.getValueAtQuantile(0.5)).isCloseTo(1e12, org.assertj.core.data.Percentage.withPercentage(0.5));

    DDSketch negative = QuantileSketches.create();
    negative = QuantileSketches.add(negative, -1e-200);
    negative = QuantileSketches.add(negative, -1e200);
    assertThat(negative.getNegativeValueStore()).isInstanceOf(PaginatedStore.class);
  }
}
