package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.DAY;
import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch is counted series by series ({@link StagedPings}); every answer must be what counting its pings one by one gives. */
class BatchApplyTest {
  private static final List<Agg> AGGS = List.of(Agg.values());
  private static final List<List<Field>> GROUPINGS = List.of(
      List.of(), List.of(Field.VERSION), List.of(Field.DEPLOY_TYPE, Field.dimension("plan")), List.of(Field.dimension("region")));

  @TempDir Path oneByOneDir;
  @TempDir Path batchedDir;

  @Test
  void batchesOfAnySizeCountExactlyWhatTheirPingsCountOneByOne() {
    // Three days of pings (minute cells keep two), a few years old (no cell keeps them), and a
    // burst in one minute of one series, longer than one hold of the event's lock.
    List<TestPing> pings = new ArrayList<>(RandomPings.mix(61, 40_000, 700, NOW - 3 * DAY, NOW));
    Random random = new Random(62);
    for (int i = 0; i < 100; i++) {
      pings.add(random.nextInt(pings.size()), TestPing.of(RandomPings.EVENT, "old-" + i, NOW - 900 * DAY).metric("latency", i));
    }
    for (int i = 0; i < 3 * EventRollup.PINGS_PER_LOCK + 7; i++) {
      pings.add(20_000 + 2 * i, TestPing.of(RandomPings.EVENT, "burst-" + random.nextInt(50), NOW - HOUR + i)
          .version("5.1.0").deployType("kubernetes").dimension("plan", "pro").dimension("region", "eu")
          .metric("latency", random.nextGaussian()).metric("size", i));
    }
    for (int i = 0; i < pings.size(); i++) {
      pings.get(i).walPosition(1_000 + i / 10);
    }

    try (Rollups oneByOne = Fixtures.open(Fixtures.config(oneByOneDir, "plan", "region"));
        Rollups batched = Fixtures.open(Fixtures.config(batchedDir, "plan", "region"))) {
      for (TestPing p : pings) {
        oneByOne.apply(p);
      }
      int batches = 0;
      for (int from = 0; from < pings.size(); batches++) {
        int n = Math.min(pings.size() - from, 1 + random.nextInt(batches % 2 == 0 ? 20 : 6_000));
        int first = from;
        batched.apply(n, i -> pings.get(first + i));
        from += n;
      }
      assertThat(batches).isGreaterThan(10);

      assertThat(batched.events()).isEqualTo(oneByOne.events());
      assertThat(batched.instances(0, Field.VERSION)).isEqualTo(oneByOne.instances(0, Field.VERSION));
      assertThat(batched.seriesCount()).isEqualTo(oneByOne.seriesCount());
      assertThat(batched.cellCount()).isEqualTo(oneByOne.cellCount());
      int points = 0;
      for (String event : List.of(RandomPings.EVENT, RandomPings.OTHER_EVENT)) {
        for (Step step : Step.values()) {
          for (String metric : List.of("latency", "size")) {
            for (List<Field> groupBy : GROUPINGS) {
              RollupQuery q = Fixtures.grouped(event, NOW - 4 * DAY, NOW + HOUR, step, AGGS, metric, groupBy, Map.of(), false);
              points += assertSameAnswer(batched.read(q), oneByOne.read(q));
            }
          }
        }
      }
      assertThat(points).isGreaterThan(10_000);
    }
  }

  @Test
  void aBatchLargerThanTheStagingIsCountedInPartsExactlyAsOneByOne() {
    // 64 metrics a ping (the API's most): 132 staged longs each, so this batch is staged in three parts.
    Random random = new Random(63);
    List<TestPing> pings = new ArrayList<>();
    int n = 3 * StagedPings.LIMIT / (4 + 2 * 64) + 17;
    for (int i = 0; i < n; i++) {
      TestPing p = TestPing.of(RandomPings.EVENT, "inst-" + random.nextInt(300), NOW - random.nextInt((int) (3 * HOUR)))
          .version(RandomPings.VERSIONS.get(random.nextInt(3))).walPosition(i);
      for (int m = 0; m < 64; m++) {
        p.metric("m" + m, random.nextGaussian() * (m + 1));
      }
      pings.add(p);
    }
    try (Rollups oneByOne = Fixtures.open(Fixtures.config(oneByOneDir));
        Rollups batched = Fixtures.open(Fixtures.config(batchedDir))) {
      for (TestPing p : pings) {
        oneByOne.apply(p);
      }
      batched.apply(pings.size(), pings::get);
      assertThat(batched.events()).isEqualTo(oneByOne.events());
      int points = 0;
      for (Step step : Step.values()) {
        for (String metric : List.of("m0", "m31", "m63")) {
          RollupQuery q = Fixtures.grouped(RandomPings.EVENT, NOW - DAY, NOW + HOUR, step, AGGS, metric, List.of(Field.VERSION), Map.of(), false);
          points += assertSameAnswer(batched.read(q), oneByOne.read(q));
        }
      }
      assertThat(points).isGreaterThan(500);
    }
  }

  /** Asserts both answers alike to the last bit of every value; returns how many points they hold. */
  private static int assertSameAnswer(RollupResult actual, RollupResult expected) {
    assertThat(actual.series()).hasSameSizeAs(expected.series());
    int points = 0;
    for (int s = 0; s < expected.series().size(); s++) {
      RollupResult.Series want = expected.series().get(s);
      RollupResult.Series got = actual.series().get(s);
      assertThat(got.group()).isEqualTo(want.group());
      assertThat(got.points()).hasSameSizeAs(want.points());
      for (int p = 0; p < want.points().size(); p++) {
        RollupResult.Point w = want.points().get(p);
        RollupResult.Point g = got.points().get(p);
        assertThat(g.tMillis()).isEqualTo(w.tMillis());
        assertThat(Arrays.equals(g.values(), w.values()))
            .as("%s at %d: %s, one by one %s", want.group(), w.tMillis(), Arrays.toString(g.values()), Arrays.toString(w.values()))
            .isTrue();
        points++;
      }
    }
    return points;
  }
}
