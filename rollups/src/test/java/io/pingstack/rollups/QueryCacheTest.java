package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.DAY;
import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.MINUTE;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merged cells kept between queries ({@link MergeCache}): a repeated query reads them, a ping
 * in a bucket makes that bucket merge again, and whatever happens between queries (pings, late
 * pings, expiry, a small bound) the answers are those of rollups that keep none.
 */
class QueryCacheTest {
  private static final List<Agg> AGGS =
      List.of(Agg.COUNT, Agg.SUM, Agg.MIN, Agg.MAX, Agg.AVG, Agg.DISTINCT_INSTANCES, Agg.P50, Agg.P95);

  @TempDir Path dir;

  @Test
  void aRepeatedQueryReadsTheKeptCellsAndAPingMakesOnlyItsBucketMergeAgain() {
    try (Rollups rollups = tenSeries("a", 3_000, 700, 3_600L)) {
      RollupQuery q = Fixtures.query("e", NOW - 4 * HOUR, NOW + HOUR, Step.HOUR, AGGS, "m");
      String first = dump(rollups.read(q));
      QueryCacheStats afterFirst = rollups.queryCacheStats();
      assertThat(afterFirst.misses()).as("one merge per hour with pings").isEqualTo(3);

      assertThat(dump(rollups.read(q))).isEqualTo(first);
      QueryCacheStats afterSecond = rollups.queryCacheStats();
      assertThat(afterSecond.hits() - afterFirst.hits()).isEqualTo(3);
      assertThat(afterSecond.misses()).isEqualTo(afterFirst.misses());

      long hour = Math.floorDiv(NOW - 2 * HOUR, HOUR) * HOUR;
      RollupResult.Point before = point(rollups.read(q), hour);
      rollups.apply(TestPing.of("e", "someone-new", hour + MINUTE).version("v0").deployType("docker").metric("m", 1e6));
      RollupResult.Point after = point(rollups.read(q), hour);
      assertThat(after.values()[0]).isEqualTo(before.values()[0] + 1);
      assertThat(after.values()[3]).isEqualTo(1e6);
      assertThat(after.values()[5]).isEqualTo(before.values()[5] + 1);
      assertThat(rollups.queryCacheStats().misses() - afterSecond.misses()).as("only the changed hour merged again").isEqualTo(1);
    }
  }

  @Test
  void groupsOfOneSeriesReadTheirCellsAndKeepNothing() {
    try (Rollups rollups = tenSeries("b", 2_000, 300, 5_000L)) {
      RollupQuery q = Fixtures.grouped(
          "e", NOW - 4 * HOUR, NOW + HOUR, Step.MINUTE, AGGS, "m", List.of(Field.VERSION, Field.DEPLOY_TYPE), Map.of(), false);
      assertThat(rollups.read(q).series()).hasSize(10); // each (version, deploy type) a group of one series
      assertThat(rollups.queryCacheStats()).isEqualTo(new QueryCacheStats(0, 0, 0, 0));
    }
  }

  @Test
  void answersEqualThoseOfRollupsKeepingNoCellsThroughPingsLatePingsAndExpiry() {
    AtomicLong clock = new AtomicLong(NOW);
    RollupsConfig config = Fixtures.config(dir.resolve("cached"), "lang");
    try (Rollups cached = Rollups.open(config, RollupMetrics.NOOP, clock::get);
        Rollups plain = Rollups.open(
            Fixtures.config(dir.resolve("plain"), "lang").withQueryCacheBytes(0), RollupMetrics.NOOP, clock::get)) {
      Random random = new Random(11);
      for (int round = 0; round < 6; round++) {
        for (int i = 0; i < 4_000; i++) {
          // Mostly recent pings; one in eight up to 3 days late; some cells pass 128 values (sketches).
          long age = random.nextInt(8) == 0 ? (long) random.nextInt((int) (3 * DAY / 1000)) * 1000 : random.nextInt((int) HOUR);
          TestPing ping = TestPing.of(random.nextBoolean() ? "a" : "b", "i" + random.nextInt(3_000), clock.get() - age)
              .version("v" + random.nextInt(3))
              .deployType(random.nextInt(4) == 0 ? "docker" : "helm")
              .dimension("lang", new String[] {"go", "java", "ts"}[random.nextInt(3)])
              .metric("m", Math.floor(random.nextGaussian() * 100))
              .metric("n", random.nextInt(3));
          cached.apply(ping);
          plain.apply(ping);
        }
        for (RollupQuery q : queries(clock.get())) {
          assertThat(dump(cached.read(q))).as("round %d: %s", round, q).isEqualTo(dump(plain.read(q)));
        }
        clock.addAndGet(13 * HOUR);
        cached.evictExpired(clock.get());
        plain.evictExpired(clock.get());
      }
      assertThat(cached.queryCacheStats().hits()).isPositive();
      assertThat(plain.queryCacheStats()).isEqualTo(new QueryCacheStats(0, 0, 0, 0));
    }
  }

  @Test
  void theKeptCellsStayWithinTheirBoundAndAnswersStayRight() {
    long bound = 256 * 1024;
    try (Rollups small = Rollups.open(Fixtures.config(dir.resolve("small"), "lang").withQueryCacheBytes(bound), RollupMetrics.NOOP, () -> NOW);
        Rollups plain = Rollups.open(Fixtures.config(dir.resolve("plain"), "lang").withQueryCacheBytes(0), RollupMetrics.NOOP, () -> NOW)) {
      Random random = new Random(5);
      for (int i = 0; i < 40_000; i++) {
        TestPing ping = TestPing.of("a", "i" + random.nextInt(20_000), NOW - random.nextInt((int) (40 * HOUR)))
            .version("v" + random.nextInt(6))
            .dimension("lang", "l" + random.nextInt(5))
            .metric("m", random.nextInt(1_000));
        small.apply(ping);
        plain.apply(ping);
      }
      for (int pass = 0; pass < 2; pass++) {
        for (RollupQuery q : queries(NOW)) {
          assertThat(dump(small.read(q))).isEqualTo(dump(plain.read(q)));
          assertThat(small.queryCacheStats().bytes()).isBetween(0L, bound);
        }
      }
      assertThat(small.queryCacheStats().evictedBytes()).isPositive();
    }
  }

  /**
   * Rollups of {@code pings} pings of event {@code e} from 3 hours ago, one every {@code everyMillis},
   * over 10 series (5 versions x 2 deploy types) and {@code instances} instances, metric {@code m}.
   */
  private Rollups tenSeries(String name, int pings, int instances, long everyMillis) {
    Rollups rollups = Fixtures.open(Fixtures.config(dir.resolve(name)));
    for (int i = 0; i < pings; i++) {
      rollups.apply(TestPing.of("e", "i" + i % instances, NOW - 3 * HOUR + i * everyMillis)
          .version("v" + i % 5).deployType(i % 2 == 0 ? "docker" : "helm").metric("m", i % 97));
    }
    return rollups;
  }

  /** Every step; ungrouped, grouped (down to one series per group), filtered; fill=zero at 1 d. */
  private static List<RollupQuery> queries(long now) {
    List<RollupQuery> out = new ArrayList<>();
    for (String event : List.of("a", "b")) {
      for (Step step : Step.values()) {
        long from = now - (step == Step.MINUTE ? 6 * HOUR : 4 * DAY);
        for (List<Field> groupBy : List.of(
            List.<Field>of(), List.of(Field.VERSION), List.of(Field.dimension("lang"), Field.DEPLOY_TYPE),
            List.of(Field.VERSION, Field.DEPLOY_TYPE, Field.dimension("lang")))) { // the last: one series per group
          for (Map<Field, Set<String>> filter : List.<Map<Field, Set<String>>>of(Map.of(), Map.of(Field.DEPLOY_TYPE, Set.of("helm")))) {
            out.add(Fixtures.grouped(event, from, now + HOUR, step, AGGS, "m", groupBy, filter, step == Step.DAY));
          }
        }
      }
    }
    return out;
  }

  private static RollupResult.Point point(RollupResult result, long tMillis) {
    return result.series().get(0).points().stream().filter(p -> p.tMillis() == tMillis).findFirst().orElseThrow();
  }

  /** The whole answer as text: points hold arrays, which records compare by identity. */
  private static String dump(RollupResult result) {
    StringBuilder out = new StringBuilder();
    for (RollupResult.Series s : result.series()) {
      out.append(s.group()).append('\n');
      for (RollupResult.Point p : s.points()) {
        out.append(p.tMillis()).append(' ').append(Arrays.toString(p.values())).append('\n');
      }
    }
    return out.toString();
  }
}
