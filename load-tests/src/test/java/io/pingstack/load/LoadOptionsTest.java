package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

  @Test
  void optionsAcceptBothSpellingsAndDecimalSeconds() {
    LoadOptions options = LoadOptions.parse("--batch", "1", "--connections=64", "--duration", "2.5", "--token", "t");

    assertThat(options.batch()).isEqualTo(1);
    assertThat(options.connections()).isEqualTo(64);
    assertThat(options.duration()).isEqualTo(Duration.ofMillis(2500));
    assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.token()).isEqualTo("t");
    assertThat(options.url().toString()).isEqualTo("http://127.0.0.1:8080");
  }

  @Test
  void requestsGoToV1PingsUnderTheBaseUrl() {
    assertThat(LoadOptions.parse().path()).isEqualTo("/v1/pings");
    assertThat(LoadOptions.parse("--url", "http://127.0.0.1:9/").path()).isEqualTo("/v1/pings");
    assertThat(LoadOptions.parse("--url", "http://127.0.0.1:9/base/").path()).isEqualTo("/base/v1/pings");
  }

  @Test
  void badOptionsAreRefusedByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--bach", "1")).hasMessageContaining("--bach");
    assertThatThrownBy(() -> LoadOptions.parse("--batch", "0")).hasMessageContaining("--batch");
    assertThatThrownBy(() -> LoadOptions.parse("--duration", "x")).hasMessageContaining("--duration");
    assertThatThrownBy(() -> LoadOptions.parse("--url", "https://example.org")).hasMessageContaining("--url");
    assertThatThrownBy(() -> LoadOptions.parse("--seed", "1", "--seed", "2")).hasMessageContaining("twice");
  }
}
