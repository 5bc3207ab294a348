package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueryConfigTest {
  @Test
  void defaultsAreOpenWithAThousandSeries() {
    assertThat(QueryConfig.defaults()).isEqualTo(new QueryConfig(null, 1000));
  }

  @Test
  void toStringRedactsTheToken() {
    assertThat(new QueryConfig("hunter2-token", 10).toString()).doesNotContain("hunter2").contains("<redacted>");
  }

  @Test
  void blankTokenAndNonPositiveMaxSeriesAreRefusedByName() {
    assertThatThrownBy(() -> new QueryConfig(" ", 10)).hasMessageContaining("token");
    assertThatThrownBy(() -> new QueryConfig(" tok", 10)).hasMessageContaining("token");
    assertThatThrownBy(() -> new QueryConfig(null, 0)).hasMessageContaining("maxSeries");
  }
}
