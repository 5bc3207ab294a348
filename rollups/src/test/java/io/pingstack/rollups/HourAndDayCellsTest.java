package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HourAndDayCellsTest {
  private static final List<Agg> ALL = List.of(
      Agg.COUNT, Agg.DISTINCT_INSTANCES, Agg.SUM, Agg.MIN, Agg.MAX, Agg.AVG, Agg.P50, Agg.P90, Agg.P95, Agg.P99);

  @TempDir Path dir;

  @Test
  void hourAndDayPointsEqualTheMergeOfTheirMinutes() {
    List<TestPing> pings = RandomPings.mix(31, 20_000, 400, NOW - 47 * HOUR, NOW);
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir, "plan"))) {
      Fixtures.applyAll(rollups, pings);
      long from = Step.DAY.alignDown(NOW - 47 * HOUR);
      for (Step coarse : List.of(Step.HOUR, Step.DAY)) {
        RollupQuery q = Fixtures.grouped(
            RandomPings.EVENT, from, NOW + HOUR, coarse, ALL, "latency", List.of(Field.dimension("plan")), Map.of(), false);
        RollupResult result = rollups.read(q);
        TruthAssertions.assertMatches(result, q, pings, TruthAssertions.API);
        for (RollupResult.Series series : result.series()) {
          for (RollupResult.Point point : series.points()) {
            RollupQuery minutes = Fixtures.grouped(
                RandomPings.EVENT, point.tMillis(), point.tMillis() + coarse.millis(), Step.MINUTE, ALL, "latency",
                List.of(), Map.of(Field.dimension("plan"), Set.of(series.group().get("dimension.plan"))), false);
            assertEqualsMergeOf(point, rollups.read(minutes).series().get(0).points());
          }
        }
      }
    }
  }

  /** Count and sum add up, min and max are the extremes: the coarse cell is the merge, never an average. */
  private static void assertEqualsMergeOf(RollupResult.Point coarse, List<RollupResult.Point> minutes) {
    double count = 0;
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (RollupResult.Point m : minutes) {
      count += m.values()[0];
      if (!Double.isNaN(m.values()[2])) {
        sum += m.values()[2];
        min = Math.min(min, m.values()[3]);
        max = Math.max(max, m.values()[4]);
      }
    }
    double[] v = coarse.values();
    assertThat(v[0]).isEqualTo(count);
    assertThat(v[2]).isCloseTo(sum, within(1e-9 * (1 + Math.abs(sum))));
    assertThat(v[3]).isEqualTo(min);
    assertThat(v[4]).isEqualTo(max);
  }
}
