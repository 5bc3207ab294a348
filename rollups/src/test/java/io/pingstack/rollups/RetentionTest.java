package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.DAY;
import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.MINUTE;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
  @TempDir Path dir;

  private static long count(Rollups rollups, long t, Step step) {
    RollupQuery q = Fixtures.query("e", t, t + step.millis(), step, List.of(Agg.COUNT), null);
    List<RollupResult.Point> points = rollups.read(q).series().get(0).points();
    return points.isEmpty() ? 0 : (long) points.get(0).values()[0];
  }

  @Test
  void latePingUpdatesEveryCellStillRetainedAndSkipsExpiredSteps() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      long recent = NOW - 5 * MINUTE;
      long twoDaysAgo = NOW - 50 * HOUR;
      long monthsAgo = NOW - 100 * DAY;
      long yearsAgo = NOW - 800 * DAY;
      for (long t : List.of(recent, twoDaysAgo, twoDaysAgo, monthsAgo, yearsAgo)) {
        rollups.apply(TestPing.of("e", "i", t));
      }
      assertThat(List.of(count(rollups, recent, Step.MINUTE), count(rollups, recent, Step.HOUR), count(rollups, recent, Step.DAY)))
          .containsExactly(1L, 1L, 1L);
      assertThat(List.of(count(rollups, twoDaysAgo, Step.MINUTE), count(rollups, twoDaysAgo, Step.HOUR), count(rollups, twoDaysAgo, Step.DAY)))
          .containsExactly(0L, 2L, 2L);
      assertThat(List.of(count(rollups, monthsAgo, Step.MINUTE), count(rollups, monthsAgo, Step.HOUR), count(rollups, monthsAgo, Step.DAY)))
          .containsExactly(0L, 0L, 1L);
      assertThat(count(rollups, yearsAgo, Step.DAY)).isZero();
      assertThat(rollups.events()).singleElement().satisfies(e -> {
        assertThat(e.count()).isEqualTo(5);
        assertThat(e.firstSeenMillis()).isEqualTo(yearsAgo);
        assertThat(e.lastSeenMillis()).isEqualTo(recent);
      });
    }
  }

  @Test
  void bucketPartlyInsideRetentionIsStillUpdatedAndOneWhollyOutsideIsNot() {
    long now = NOW + 30_000;
    try (Rollups rollups = Rollups.open(Fixtures.config(dir), RollupMetrics.NOOP, () -> now)) {
      long partlyInside = now - 48 * HOUR - 20_000;
      long whollyOutside = now - 48 * HOUR - 40_000;
      rollups.apply(TestPing.of("e", "i", partlyInside));
      rollups.apply(TestPing.of("e", "i", whollyOutside));
      assertThat(count(rollups, partlyInside, Step.MINUTE)).isEqualTo(1);
      assertThat(count(rollups, whollyOutside, Step.MINUTE)).isZero();
      assertThat(count(rollups, whollyOutside, Step.DAY)).isEqualTo(2);
    }
  }

  @Test
  void evictionDropsExpiredCellsThenEmptySeriesThenIdleEvents() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      long t = NOW - 10 * MINUTE;
      rollups.apply(TestPing.of("e", "i", t).version("1.0"));
      rollups.apply(TestPing.of("e", "j", t).version("2.0"));
      assertThat(rollups.cellCount()).isEqualTo(6);
      assertThat(rollups.seriesCount()).isEqualTo(2);

      rollups.evictExpired(NOW + 47 * HOUR);
      assertThat(rollups.cellCount()).isEqualTo(6);
      rollups.evictExpired(NOW + 49 * HOUR);
      assertThat(rollups.cellCount()).isEqualTo(4);
      assertThat(count(rollups, t, Step.MINUTE)).isZero();
      assertThat(count(rollups, t, Step.HOUR)).isEqualTo(2);

      rollups.evictExpired(NOW + 91 * DAY);
      assertThat(rollups.cellCount()).isEqualTo(2);
      assertThat(rollups.events()).hasSize(1);
      assertThat(rollups.instanceCount()).isEqualTo(2);

      rollups.evictExpired(NOW + 732 * DAY);
      assertThat(rollups.cellCount()).isZero();
      assertThat(rollups.seriesCount()).isZero();
      assertThat(rollups.events()).isEmpty();
      assertThat(rollups.instanceCount()).isZero();
    }
  }

  @Test
  void evictedEventIsRecreatedByItsNextPing() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      rollups.apply(TestPing.of("e", "i", NOW - 731 * DAY + HOUR));
      rollups.evictExpired(NOW + DAY);
      assertThat(rollups.events()).isEmpty();
      rollups.apply(TestPing.of("e", "i", NOW));
      assertThat(rollups.events()).singleElement().satisfies(e -> assertThat(e.count()).isEqualTo(1));
      assertThat(count(rollups, NOW, Step.MINUTE)).isEqualTo(1);
    }
  }
}
