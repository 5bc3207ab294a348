package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.engine.clickhouse.ClickHouseConfig;
import io.pingstack.engine.clickhouse.ClickHouseReads;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RawEndpointTest {
  /** A cold store whose ClickHouse does not answer: parameters are checked before it is asked. */
  private final ColdReads unreachable = new ColdReads(ClickHouseReads.open(
      ClickHouseConfig.of(URI.create("http://127.0.0.1:1"), "node-1").withRequestTimeout(Duration.ofSeconds(2))));

  @AfterEach
  void close() {
    unreachable.close();
  }

  @Test
  void withoutClickHouseRawPingsAreNotFound() {
    Calls.Answer answer = Calls.answer(new RawEndpoint(null), Calls.get("/v1/raw?instance_id=i&from=0&to=1"));
    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.code()).isEqualTo("raw_unavailable");
  }

  @Test
  void everyParameterIsChecked() {
    RawEndpoint raw = new RawEndpoint(unreachable);
    assertThat(Calls.answer(raw, Calls.get("/v1/raw?from=0&to=1")).message()).contains("instance_id");
    assertThat(Calls.answer(raw, Calls.get("/v1/raw?instance_id=i&from=5&to=1")).code()).isEqualTo("invalid_range");
    assertThat(Calls.answer(raw, Calls.get("/v1/raw?instance_id=i&from=0&to=1&limit=0")).message()).contains("limit");
    assertThat(Calls.answer(raw, Calls.get("/v1/raw?instance_id=i&from=0&to=1&limit=10001")).message()).contains("limit");
    assertThat(Calls.answer(raw, Calls.get("/v1/raw?instance_id=" + "x".repeat(129) + "&from=0&to=1")).message())
        .contains("1 to 128");
    assertThat(Calls.answer(raw, Calls.get("/v1/raw?instance_id=i&from=0&to=1&group_by=version")).status()).isEqualTo(400);
  }

  @Test
  void aClickHouseThatDoesNotAnswerIsA503ThatSaysToRetry() {
    Calls.Answer answer = Calls.answer(new RawEndpoint(unreachable), Calls.get("/v1/raw?instance_id=i&from=0&to=1"));
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.code()).isEqualTo("cold_store_unavailable");
    assertThat(answer.message()).doesNotContain("127.0.0.1");
  }
}
