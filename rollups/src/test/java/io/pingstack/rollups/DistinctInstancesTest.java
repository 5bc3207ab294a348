package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.MINUTE;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistinctInstancesTest {
  private static final List<Agg> DISTINCT = List.of(Agg.DISTINCT_INSTANCES);

  @TempDir Path dir;

  @Test
  void smallCountsAreExactInEveryBucketAndGroup() {
    List<TestPing> pings = new ArrayList<>();
    Random random = new Random(3);
    long hour = Step.HOUR.alignDown(NOW - 3 * HOUR);
    // Bucket m of minute m holds instances 0..(m*m) with repeats: 1 to 3,600 distinct.
    for (int m = 0; m < 60; m++) {
      for (int i = 0; i <= m * m; i++) {
        for (int repeat = random.nextInt(3); repeat >= 0; repeat--) {
          pings.add(TestPing.of("e", "instance-" + i, hour + m * MINUTE + random.nextInt(60_000))
              .version(i % 2 == 0 ? "1.0" : "2.0"));
        }
      }
    }
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      Fixtures.applyAll(rollups, pings);
      RollupQuery plain = Fixtures.query("e", hour, hour + HOUR, Step.MINUTE, DISTINCT, null);
      RollupQuery byVersion = Fixtures.grouped(
          "e", hour, hour + HOUR, Step.MINUTE, DISTINCT, null, List.of(Field.VERSION), Map.of(), false);
      // Exact up to the HLL's coupon modes (about 1,500 per cell); merged groups beyond that are estimates.
      for (RollupQuery q : List.of(plain, byVersion)) {
        boolean grouped = !q.groupBy().isEmpty();
        for (RollupResult.Series s : rollups.read(q).series()) {
          for (RollupResult.Point p : s.points()) {
            long m = (p.tMillis() - hour) / MINUTE;
            long all = m * m + 1;
            double n = !grouped ? all : s.group().get("version").equals("1.0") ? (all + 1) / 2 : all / 2;
            if (m * m < 1_400) {
              assertThat(p.values()[0]).as("minute %d of %s", m, s.group()).isEqualTo(n);
            } else {
              assertThat(p.values()[0]).as("minute %d of %s", m, s.group()).isCloseTo(n, within(0.02 * n));
            }
          }
        }
      }
    }
  }

  @Test
  void fiftyThousandInstancesAreWithinTwoPercentAlsoWhenUnitedAcrossSeries() {
    long hour = Step.HOUR.alignDown(NOW - 2 * HOUR);
    List<TestPing> pings = new ArrayList<>();
    Random random = new Random(11);
    for (int i = 0; i < 50_000; i++) {
      // Every instance pings twice, from two versions: the version series overlap.
      for (int k = 0; k < 2; k++) {
        pings.add(TestPing.of("e", "host-" + i, hour + random.nextInt((int) HOUR))
            .version(RandomPings.VERSIONS.get(random.nextInt(3))));
      }
    }
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      Fixtures.applyAll(rollups, pings);
      for (Step step : List.of(Step.HOUR, Step.DAY)) {
        RollupQuery united = Fixtures.query("e", hour, hour + HOUR, step, DISTINCT, null);
        RollupQuery byVersion = Fixtures.grouped("e", hour, hour + HOUR, step, DISTINCT, null, List.of(Field.VERSION), Map.of(), false);
        TruthAssertions.assertMatches(rollups.read(united), united, pings, TruthAssertions.API);
        TruthAssertions.assertMatches(rollups.read(byVersion), byVersion, pings, TruthAssertions.API);
      }
    }
  }

  @Test
  void unionOfSixtyMinuteSketchesAndExactCellsIsWithinTwoPercentOfAllTheirInstances() {
    Set<String> all = new HashSet<>();
    Cell[] minutes = new Cell[60];
    for (int m = 0; m < minutes.length; m++) {
      minutes[m] = new Cell();
    }
    Random random = new Random(5);
    // Even minutes get about 3,000 instances each (sketches), odd ones a few hundred (exact).
    for (int i = 0; i < 200_000; i++) {
      String instance = "i-" + random.nextInt(120_000);
      int m = random.nextInt(60);
      if (m % 2 == 1 && random.nextInt(10) > 0) {
        continue;
      }
      all.add(instance);
      minutes[m].count(InstanceHash.of(instance), i);
    }
    DistinctMerge merge = new DistinctMerge();
    for (int m = 0; m < minutes.length; m++) {
      assertThat(minutes[m].exactInstances()).isEqualTo(m % 2 == 1);
      minutes[m].addInstancesTo(merge);
    }
    assertThat((double) merge.estimate()).isCloseTo(all.size(), within(0.02 * all.size()));

    Cell hour = new Cell();
    for (Cell minute : minutes) {
      hour.mergeFrom(minute);
    }
    DistinctMerge single = new DistinctMerge();
    hour.addInstancesTo(single);
    assertThat((double) single.estimate()).isCloseTo(all.size(), within(0.02 * all.size()));
  }
}
