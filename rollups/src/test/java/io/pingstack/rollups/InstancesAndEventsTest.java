package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstancesAndEventsTest {
  @TempDir Path dir;

  @Test
  void instancesAreCountedByTheLatestPingInEventTime() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      rollups.apply(TestPing.of("e", "a", NOW - HOUR).version("2.0").deployType("kubernetes"));
      rollups.apply(TestPing.of("e", "a", NOW - 3 * HOUR).version("1.0").deployType("binary"));
      rollups.apply(TestPing.of("e", "b", NOW - 2 * HOUR).version("1.0").deployType("binary"));
      rollups.apply(TestPing.of("other", "c", NOW - 4 * HOUR).version("1.0"));
      rollups.apply(TestPing.of("e", "d", NOW - 30 * HOUR).version("0.9"));

      assertThat(rollups.instances(NOW - 24 * HOUR, null)).isEqualTo(new InstancesSummary(3, List.of()));
      assertThat(rollups.instances(NOW - 24 * HOUR, Field.VERSION).groups()).containsExactly(
          new InstancesSummary.Group("1.0", 2), new InstancesSummary.Group("2.0", 1));
      assertThat(rollups.instances(NOW - 2 * HOUR, Field.DEPLOY_TYPE).groups()).containsExactly(
          new InstancesSummary.Group("binary", 1), new InstancesSummary.Group("kubernetes", 1));
      assertThat(rollups.instances(NOW - 48 * HOUR, Field.DEPLOY_TYPE).groups()).containsExactly(
          new InstancesSummary.Group("", 2), new InstancesSummary.Group("binary", 1), new InstancesSummary.Group("kubernetes", 1));
    }
  }

  @Test
  void eventsListCountsTimesMetricsAndDimensionKeysByName() {
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir, "plan"))) {
      rollups.apply(TestPing.of("search.executed", "a", NOW - HOUR).metric("latency", 3).dimension("plan", "pro"));
      rollups.apply(TestPing.of("search.executed", "b", NOW - 2 * HOUR).metric("results", 10).dimension("lang", "go"));
      rollups.apply(TestPing.of("app.started", "a", NOW - 5 * HOUR));

      List<EventSummary> events = rollups.events();
      assertThat(events).extracting(EventSummary::event).containsExactly("app.started", "search.executed");
      EventSummary search = events.get(1);
      assertThat(search.count()).isEqualTo(2);
      assertThat(search.firstSeenMillis()).isEqualTo(NOW - 2 * HOUR);
      assertThat(search.lastSeenMillis()).isEqualTo(NOW - HOUR);
      assertThat(search.metrics()).containsExactly("latency", "results");
      assertThat(search.dimensions()).containsExactly("lang", "plan");
      assertThat(search.cappedPings()).isZero();
      assertThat(rollups.declaredDimensions()).containsExactly("plan");
      assertThat(rollups.retentionMillis(Step.MINUTE)).isEqualTo(48 * HOUR);
    }
  }
}
