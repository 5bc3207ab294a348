package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.rollups.EventSummary;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class EventsEndpointTest {
  private final FakeRollupReader reader = new FakeRollupReader();
  private final HttpEndpoint events =
      QueryService.endpoints(reader, QueryConfig.defaults(), new QueryLatency()).get("/v1/events");

  @Test
  void listsEveryEventWithItsCountsTimesAndKeys() {
    reader.events = List.of(
        new EventSummary("search.executed", 1500,
            Instant.parse("2026-11-20T08:00:00Z").toEpochMilli(), Instant.parse("2026-11-21T09:30:15.250Z").toEpochMilli(),
            new TreeSet<>(List.of("latency_ms", "results")), new TreeSet<>(List.of("region")), 12),
        new EventSummary("sourcegraph.ping", 1, 0, 0, new TreeSet<>(), new TreeSet<>(), 0));

    Calls.Answer answer = Calls.answer(events, Calls.get("/v1/events"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{\"events\":["
        + "{\"event\":\"search.executed\",\"count\":1500,\"first_seen\":\"2026-11-20T08:00:00Z\","
        + "\"last_seen\":\"2026-11-21T09:30:15.250Z\",\"metrics\":[\"latency_ms\",\"results\"],"
        + "\"dimensions\":[\"region\"],\"capped_pings\":12},"
        + "{\"event\":\"sourcegraph.ping\",\"count\":1,\"first_seen\":\"1970-01-01T00:00:00Z\","
        + "\"last_seen\":\"1970-01-01T00:00:00Z\",\"metrics\":[],\"dimensions\":[],\"capped_pings\":0}]}");
  }

  @Test
  void noEventsIsAnEmptyList() {
    assertThat(Calls.answer(events, Calls.get("/v1/events")).body()).isEqualTo("{\"events\":[]}");
  }

  @Test
  void anyParameterIsUnknown() {
    Calls.Answer answer = Calls.answer(events, Calls.get("/v1/events?event=search.executed"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.code()).isEqualTo("unknown_parameter");
    assertThat(answer.message()).doesNotContain("search.executed");
  }
}
