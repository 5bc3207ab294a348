package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pingstack.model.TestPings;
import io.pingstack.server.GroundTruth.Cell;
import io.pingstack.server.GroundTruth.Question;
import io.pingstack.server.GroundTruth.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

class GroundTruthTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:30:00Z");
  private static final Instant T = Instant.parse("2026-11-21T09:15:10Z");

  /** Five pings in one minute from three instances, one a minute later, one 50 h old, one of another event. */
  private static GroundTruth truth() {
    GroundTruth truth = new GroundTruth(NOW.toEpochMilli(), Duration.ofDays(2), 2);
    double[] values = {5, -1, 0, 10, 2.5};
    for (int i = 0; i < values.length; i++) {
      truth.add(TestPings.ping("inst-" + (i % 3), "p" + i).at(T.plusSeconds(i)).version(i < 3 ? "5.3.0" : "6.0.0")
          .deployType("kubernetes").dimension("plan", "team").metric("duration_ms", values[i]).build());
    }
    truth.add(TestPings.ping("inst-0", "no-metric").at(T.plusSeconds(60)).version("5.3.0").deployType("binary").build());
    truth.add(TestPings.ping("inst-9", "late").at(NOW.minus(Duration.ofHours(50))).version("5.3.0").deployType("binary")
        .dimension("plan", "free").metric("duration_ms", 100).build());
    truth.add(TestPings.ping("inst-0", "other").event("page.viewed").at(T).build());
    return truth;
  }

  private static Question question(Step step, List<String> groupBy, String filterField, String filterValue) {
    return new Question("search.executed", step, "duration_ms", groupBy, filterField, filterValue);
  }

  @Test
  void bucketHoldsExactAggregatesAndQuantilesAtRankFloorOfQTimesNMinusOne() {
    Map<Map<String, String>, NavigableMap<Long, Cell>> answer = truth().answer(question(Step.MINUTE, List.of(), null, null));
    assertThat(answer).containsOnlyKeys(Map.of());
    NavigableMap<Long, Cell> cells = answer.get(Map.of());
    long minute = Instant.parse("2026-11-21T09:15:00Z").toEpochMilli();
    assertThat(cells.keySet()).containsExactly(minute, minute + 60_000);
    Cell cell = cells.get(minute);
    assertThat(cell.count()).isEqualTo(5);
    assertThat(cell.distinctInstances()).isEqualTo(3);
    assertThat(cell.sum()).isEqualTo(16.5);
    assertThat(cell.sumOfMagnitudes()).isEqualTo(18.5);
    assertThat(cell.avg()).isCloseTo(3.3, within(1e-12));
    assertThat(cell.min()).isEqualTo(-1);
    assertThat(cell.max()).isEqualTo(10);
    // Sorted: -1, 0, 2.5, 5, 10; rank floor(q * 4).
    assertThat(cell.quantile(0.50)).isEqualTo(2.5);
    assertThat(cell.quantile(0.90)).isEqualTo(5);
    assertThat(cell.quantile(0.99)).isEqualTo(5);
    Cell withoutMetric = cells.get(minute + 60_000);
    assertThat(withoutMetric.count()).isEqualTo(1);
    assertThat(withoutMetric.hasMetric()).isFalse();
  }

  @Test
  void lateBucketsAreOnlyInHourAndDayAnswers() {
    GroundTruth truth = truth();
    long late = NOW.minus(Duration.ofHours(50)).toEpochMilli();
    assertThat(truth.answer(question(Step.MINUTE, List.of(), null, null)).get(Map.of()).values())
        .extracting(Cell::count).containsExactly(5L, 1L);
    NavigableMap<Long, Cell> hours = truth.answer(question(Step.HOUR, List.of(), null, null)).get(Map.of());
    assertThat(hours.keySet()).containsExactly(Math.floorDiv(late, 3_600_000L) * 3_600_000L, Instant.parse("2026-11-21T09:00:00Z").toEpochMilli());
    assertThat(hours.lastEntry().getValue().count()).isEqualTo(6);
    NavigableMap<Long, Cell> days = truth.answer(question(Step.DAY, List.of(), null, null)).get(Map.of());
    assertThat(days.values()).extracting(Cell::count).containsExactly(1L, 6L);
  }

  @Test
  void groupsAndFiltersUseTheGroupedPropertiesWithEmptyForAbsent() {
    GroundTruth truth = truth();
    Map<Map<String, String>, NavigableMap<Long, Cell>> byVersionAndPlan =
        truth.answer(question(Step.DAY, List.of("version", "dimension.plan"), null, null));
    assertThat(byVersionAndPlan).containsOnlyKeys(
        Map.of("version", "5.3.0", "dimension.plan", "team"),
        Map.of("version", "6.0.0", "dimension.plan", "team"),
        Map.of("version", "5.3.0", "dimension.plan", ""),
        Map.of("version", "5.3.0", "dimension.plan", "free"));
    assertThat(byVersionAndPlan.get(Map.of("version", "6.0.0", "dimension.plan", "team")).firstEntry().getValue().sum()).isEqualTo(12.5);
    assertThat(byVersionAndPlan.keySet().iterator().next().keySet()).containsExactly("version", "dimension.plan");

    Map<Map<String, String>, NavigableMap<Long, Cell>> binary = truth.answer(question(Step.HOUR, List.of(), "deploy_type", "binary"));
    assertThat(binary.get(Map.of()).values()).extracting(Cell::count).containsExactly(1L, 1L);
    assertThat(truth.answer(question(Step.HOUR, List.of(), "dimension.plan", "free")).get(Map.of()).values())
        .extracting(Cell::count).containsExactly(1L);
    assertThat(truth.answer(question(Step.HOUR, List.of(), "dimension.plan", "nope"))).isEmpty();
    assertThat(truth.answer(new Question("no.such.event", Step.HOUR, "duration_ms", List.of(), null, null))).isEmpty();
  }

  @Test
  void countsByEventCountEveryPingOnceWhateverItsAge() {
    assertThat(truth().countsByEvent()).containsExactly(Map.entry("page.viewed", 1L), Map.entry("search.executed", 7L));
  }

  @Test
  void columnsGrowPastTheExpectedSizeWithoutLosingValues() {
    GroundTruth truth = new GroundTruth(NOW.toEpochMilli(), Duration.ofDays(2), 1);
    for (int i = 0; i < 100; i++) {
      TestPings.Builder ping = TestPings.ping("inst-" + i, "p" + i).at(T);
      if (i >= 50) {
        ping.metric("late_metric", i).dimension("region", "eu");
      }
      truth.add(ping.build());
    }
    Cell cell = truth.answer(new Question("search.executed", Step.HOUR, "late_metric", List.of(), "dimension.region", "eu"))
        .get(Map.of()).firstEntry().getValue();
    assertThat(truth.size()).isEqualTo(100);
    assertThat(cell.count()).isEqualTo(50);
    assertThat(cell.distinctInstances()).isEqualTo(50);
    assertThat(cell.min()).isEqualTo(50);
    assertThat(cell.max()).isEqualTo(99);
  }
}
