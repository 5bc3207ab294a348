package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.load.QueryOptions.NamedQuery;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueryOptionsTest {

  @Test
  void queriesAreRepeatableAndKeepTheirOrder() {
    QueryOptions options = QueryOptions.parse("--url", "http://127.0.0.1:9/base/", "--query",
        "hourly=/v1/rollups?event=a.b&step=1h&agg=count", "--query=daily=/v1/rollups?event=a.b&step=1d&agg=count",
        "--duration", "3", "--connections", "4");

    assertThat(options.queries()).containsExactly(
        new NamedQuery("hourly", "/v1/rollups?event=a.b&step=1h&agg=count"),
        new NamedQuery("daily", "/v1/rollups?event=a.b&step=1d&agg=count"));
    assertThat(options.target(options.queries().get(0))).isEqualTo("/base/v1/rollups?event=a.b&step=1h&agg=count");
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(3));
    assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.connections()).isEqualTo(4);
  }

  @Test
  void badQueriesAreRefusedByName() {
    assertThatThrownBy(QueryOptions::parse).hasMessageContaining("--query is required");
    assertThatThrownBy(() -> QueryOptions.parse("--query", "/v1/rollups")).hasMessageContaining("NAME=PATH");
    assertThatThrownBy(() -> QueryOptions.parse("--query", "a=v1/rollups")).hasMessageContaining("NAME=PATH");
    assertThatThrownBy(() -> QueryOptions.parse("--query", "a=/x", "--query", "a=/y")).hasMessageContaining("a given twice");
    assertThatThrownBy(() -> QueryOptions.parse("--query", "a=/x", "--batch", "1")).hasMessageContaining("unknown option: --batch");
    assertThatThrownBy(() -> QueryOptions.parse("--query", "a=/x", "--warmup", "1", "--warmup", "2"))
        .hasMessageContaining("--warmup given twice");
  }
}
