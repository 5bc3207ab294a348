package io.pingstack.rollups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollupsConfigTest {
  private final RollupsConfig defaults = RollupsConfig.defaults(Path.of("snapshots"));

  @Test
  void defaultsKeepMinutesTwoDaysHoursNinetyDaysAndDaysTwoYears() {
    assertThat(defaults.dimensions()).isEmpty();
    assertThat(defaults.retention(Step.MINUTE)).isEqualTo(Duration.ofDays(2));
    assertThat(defaults.retention(Step.HOUR)).isEqualTo(Duration.ofDays(90));
    assertThat(defaults.retention(Step.DAY)).isEqualTo(Duration.ofDays(730));
    assertThat(defaults.maxSeries()).isEqualTo(100_000);
    assertThat(defaults.maxInstances()).isEqualTo(1_000_000);
  }

  @Test
  void invalidSettingsAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> defaults.withMaxSeries(0)).hasMessageContaining("rollups.max_series");
    assertThatThrownBy(() -> defaults.withMaxInstances(-1)).hasMessageContaining("rollups.max_instances");
    assertThatThrownBy(() -> defaults.withMaxInstances(RollupsConfig.MAX_INSTANCES + 1)).hasMessageContaining("rollups.max_instances");
    assertThat(defaults.withMaxInstances(RollupsConfig.MAX_INSTANCES).maxInstances()).isEqualTo(RollupsConfig.MAX_INSTANCES);
    assertThatThrownBy(() -> defaults.withRetention(Step.HOUR, Duration.ofMinutes(30))).hasMessageContaining("rollups.hour_retention");
    assertThatThrownBy(() -> defaults.withRetention(Step.DAY, null)).hasMessageContaining("rollups.day_retention");
    assertThatThrownBy(() -> defaults.withDimensions(List.of("plan", "plan"))).hasMessageContaining("rollups.dimensions");
    assertThatThrownBy(() -> defaults.withDimensions(List.of(" "))).hasMessageContaining("rollups.dimensions");
  }

  @Test
  void withersChangeOnlyTheirSetting() {
    RollupsConfig changed = defaults.withRetention(Step.MINUTE, Duration.ofHours(6)).withDimensions(List.of("plan"));
    assertThat(changed.retention(Step.MINUTE)).isEqualTo(Duration.ofHours(6));
    assertThat(changed.retention(Step.HOUR)).isEqualTo(Duration.ofDays(90));
    assertThat(changed.dimensions()).containsExactly("plan");
    assertThat(changed.snapshotDir()).isEqualTo(defaults.snapshotDir());
  }
}
