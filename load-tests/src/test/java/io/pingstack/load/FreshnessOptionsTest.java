package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FreshnessOptionsTest {

  @Test
  void defaultsProbeTheReservedEventWithATenSecondBound() {
    FreshnessOptions options = FreshnessOptions.parse();

    assertThat(options.event()).isEqualTo(LoadOptions.DEFAULT_PROBE_EVENT);
    assertThat(options.samples()).isEqualTo(100);
    assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.pause()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void badOptionsAreRefusedByName() {
    assertThatThrownBy(() -> FreshnessOptions.parse("--samples", "0")).hasMessageContaining("--samples");
    assertThatThrownBy(() -> FreshnessOptions.parse("--event", "Bad Event")).hasMessageContaining("--event");
    assertThatThrownBy(() -> FreshnessOptions.parse("--timeout", "0")).hasMessageContaining("--timeout");
    assertThatThrownBy(() -> FreshnessOptions.parse("--instance-id", "")).hasMessageContaining("--instance-id");
    assertThatThrownBy(() -> FreshnessOptions.parse("--url", "ftp://127.0.0.1")).hasMessageContaining("--url");
  }
}
