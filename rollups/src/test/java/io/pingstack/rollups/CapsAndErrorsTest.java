package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.DAY;
import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CapsAndErrorsTest {
  @TempDir Path dir;

  /** Counts what the rollups report. */
  static final class CountingMetrics implements RollupMetrics {
    final AtomicInteger seriesCapped = new AtomicInteger();
    final AtomicInteger instancesCapped = new AtomicInteger();
    final AtomicInteger metricNamesCapped = new AtomicInteger();

    @Override
    public void seriesCapped() {
      seriesCapped.incrementAndGet();
    }

    @Override
    public void instancesCapped() {
      instancesCapped.incrementAndGet();
    }

    @Override
    public void metricNamesCapped() {
      metricNamesCapped.incrementAndGet();
    }
  }

  @Test
  void pingsOfSeriesBeyondTheCapAreCountedButNotStored() {
    CountingMetrics metrics = new CountingMetrics();
    try (Rollups rollups = Rollups.open(Fixtures.config(dir).withMaxSeries(2), metrics, () -> NOW)) {
      rollups.apply(TestPing.of("e", "a", NOW - HOUR).version("1"));
      rollups.apply(TestPing.of("e", "b", NOW - HOUR).version("2"));
      rollups.apply(TestPing.of("e", "c", NOW - 2 * HOUR).version("3"));
      rollups.apply(TestPing.of("e", "d", NOW - HOUR).version("3"));
      rollups.apply(TestPing.of("e", "e", NOW - HOUR).version("1"));
      rollups.apply(TestPing.of("other", "f", NOW - HOUR).version("1"));

      assertThat(rollups.seriesCount()).isEqualTo(2);
      assertThat(metrics.seriesCapped).hasValue(3);
      assertThat(rollups.events()).singleElement().satisfies(e -> {
        assertThat(e.count()).isEqualTo(5);
        assertThat(e.cappedPings()).isEqualTo(2);
        assertThat(e.firstSeenMillis()).isEqualTo(NOW - 2 * HOUR);
      });
      RollupQuery q = Fixtures.grouped("e", NOW - DAY, NOW + DAY, Step.DAY, List.of(Agg.COUNT), null, List.of(Field.VERSION), Map.of(), false);
      assertThat(rollups.read(q).series()).extracting(s -> s.group().get("version")).containsExactly("1", "2");
      assertThat(rollups.instanceCount()).isEqualTo(6);
    }
  }

  @Test
  void instancesBeyondTheCapAreCountedButNotKept() {
    CountingMetrics metrics = new CountingMetrics();
    try (Rollups rollups = Rollups.open(Fixtures.config(dir).withMaxInstances(3), metrics, () -> NOW)) {
      for (String instance : List.of("a", "b", "c", "d", "a", "e")) {
        rollups.apply(TestPing.of("e", instance, NOW - HOUR));
      }
      assertThat(rollups.instanceCount()).isEqualTo(3);
      assertThat(metrics.instancesCapped).hasValue(2);
      assertThat(rollups.instances(0, null).instances()).isEqualTo(3);
      RollupQuery q = Fixtures.query("e", NOW - DAY, NOW + DAY, Step.DAY, List.of(Agg.DISTINCT_INSTANCES), null);
      assertThat(rollups.read(q).series().get(0).points().get(0).values()).containsExactly(5);
    }
  }

  @Test
  void metricNamesBeyondTheCapAreLeftOutOfTheCells() {
    CountingMetrics metrics = new CountingMetrics();
    try (Rollups rollups = Rollups.open(Fixtures.config(dir), metrics, () -> NOW)) {
      for (int i = 0; i < EventRollup.MAX_NAMES + 5; i++) {
        rollups.apply(TestPing.of("e", "a", NOW - HOUR).metric("m" + i, i));
      }
      assertThat(metrics.metricNamesCapped).hasValue(5);
      assertThat(rollups.events().get(0).metrics()).hasSize(EventRollup.MAX_NAMES).contains("m0").doesNotContain("m256");
      RollupQuery kept = Fixtures.query("e", NOW - DAY, NOW + DAY, Step.DAY, List.of(Agg.SUM), "m255");
      RollupQuery dropped = Fixtures.query("e", NOW - DAY, NOW + DAY, Step.DAY, List.of(Agg.COUNT, Agg.SUM), "m256");
      assertThat(rollups.read(kept).series().get(0).points().get(0).values()).containsExactly(255);
      assertThat(rollups.read(dropped).series().get(0).points().get(0).values()).containsExactly(261, Double.NaN);
    }
  }

  @Test
  void undeclaredDimensionInGroupByOrFilterIsRefused() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir, "plan"))) {
      RollupQuery groupBy = Fixtures.grouped(
          "e", NOW - HOUR, NOW, Step.MINUTE, List.of(Agg.COUNT), null, List.of(Field.dimension("region")), Map.of(), false);
      RollupQuery filter = Fixtures.grouped(
          "e", NOW - HOUR, NOW, Step.MINUTE, List.of(Agg.COUNT), null, List.of(),
          Map.of(Field.dimension("region"), Set.of("eu")), false);
      for (RollupQuery q : List.of(groupBy, filter)) {
        assertThatThrownBy(() -> rollups.read(q))
            .isInstanceOfSatisfying(RollupQueryException.class, e -> assertThat(e.code()).isEqualTo("undeclared_dimension"))
            .hasMessageContaining("declared: plan");
      }
    }
  }

  @Test
  void moreThanTenThousandBucketsIsRefused() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      long from = Step.MINUTE.alignDown(NOW - 10 * DAY);
      RollupQuery tooMany = Fixtures.query("e", from, from + 10_001 * 60_000L, Step.MINUTE, List.of(Agg.COUNT), null);
      RollupQuery justEnough = Fixtures.query("e", from, from + 10_000 * 60_000L, Step.MINUTE, List.of(Agg.COUNT), null);
      assertThatThrownBy(() -> rollups.read(tooMany))
          .isInstanceOfSatisfying(RollupQueryException.class, e -> assertThat(e.code()).isEqualTo("too_many_buckets"))
          .hasMessageContaining("10001 buckets of 1m");
      assertThat(rollups.read(justEnough).series()).hasSize(1);
    }
  }

  @Test
  void perMetricAggregateWithoutAMetricIsRefused() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      RollupQuery q = Fixtures.query("e", NOW - HOUR, NOW, Step.MINUTE, List.of(Agg.COUNT, Agg.P95), null);
      assertThatThrownBy(() -> rollups.read(q))
          .isInstanceOfSatisfying(RollupQueryException.class, e -> assertThat(e.code()).isEqualTo("missing_metric"))
          .hasMessageContaining("p95");
    }
  }

  @Test
  void instancesCannotBeGroupedByADimension() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir, "plan"))) {
      assertThatThrownBy(() -> rollups.instances(0, Field.dimension("plan")))
          .isInstanceOfSatisfying(RollupQueryException.class, e -> assertThat(e.code()).isEqualTo("invalid_group_by"));
    }
  }

  @Test
  void closedRollupsRefuseAppliesButKeepAnswering() {
    Rollups rollups = Fixtures.open(Fixtures.config(dir));
    rollups.apply(TestPing.of("e", "a", NOW));
    rollups.close();
    rollups.close();
    assertThatThrownBy(() -> rollups.apply(TestPing.of("e", "a", NOW))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(rollups::snapshot).isInstanceOf(IllegalStateException.class);
    assertThat(rollups.events()).hasSize(1);
  }
}
