package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.rollups.Agg;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.RollupQuery;
import io.pingstack.rollups.Step;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@code GET /v1/rollups} hands the rollups: every parameter, parsed. */
class RollupsQueryTest {
  private final FakeRollupReader reader = new FakeRollupReader();
  private final HttpEndpoint rollups =
      QueryService.endpoints(reader, QueryConfig.defaults(), new QueryLatency()).get("/v1/rollups");

  private RollupQuery asked(String parameters) {
    Calls.Answer answer = Calls.answer(rollups, Calls.get("/v1/rollups?" + parameters));
    assertThat(answer.status()).as("status of %s (%s)", parameters, answer.message()).isEqualTo(200);
    return reader.lastQuery();
  }

  @Test
  void onlyTheRequiredParametersUseTheDefaults() {
    RollupQuery query = asked("event=search.executed&from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z");

    assertThat(query.event()).isEqualTo("search.executed");
    assertThat(query.fromMillis()).isEqualTo(Instant.parse("2026-11-20T00:00:00Z").toEpochMilli());
    assertThat(query.toMillis()).isEqualTo(Instant.parse("2026-11-21T00:00:00Z").toEpochMilli());
    assertThat(query.step()).isEqualTo(Step.HOUR);
    assertThat(query.aggs()).containsExactly(Agg.COUNT);
    assertThat(query.metric()).isNull();
    assertThat(query.groupBy()).isEmpty();
    assertThat(query.filters()).isEmpty();
    assertThat(query.fillZero()).isFalse();
  }

  @Test
  void rfc3339TimesWithOffsetAndFractionAreReadAsTheirInstant() {
    RollupQuery query = asked("event=a&from=2026-11-20T02:30:00.250%2B02:30&to=2026-11-20T23:59:59.999999-01:00");

    assertThat(query.fromMillis()).isEqualTo(Instant.parse("2026-11-20T00:00:00.250Z").toEpochMilli());
    assertThat(query.toMillis()).isEqualTo(Instant.parse("2026-11-21T00:59:59.999Z").toEpochMilli());
  }

  @Test
  void aPlusOffsetLeftUnencodedInTheUrlStillReadsAsAnOffset() {
    RollupQuery query = asked("event=a&from=2026-11-20T02:00:00+02:00&to=2026-11-20+03:00:00Z");

    assertThat(query.fromMillis()).isEqualTo(Instant.parse("2026-11-20T00:00:00Z").toEpochMilli());
    assertThat(query.toMillis()).isEqualTo(Instant.parse("2026-11-20T03:00:00Z").toEpochMilli());
  }

  @Test
  void epochMillisecondsAreReadAsIs() {
    RollupQuery query = asked("event=a&from=1795000000000&to=1795003600000");

    assertThat(query.fromMillis()).isEqualTo(1_795_000_000_000L);
    assertThat(query.toMillis()).isEqualTo(1_795_003_600_000L);
  }

  @Test
  void aggsMetricGroupByFiltersAndFillArePassedThrough() {
    RollupQuery query = asked("event=search.executed&from=0&to=86400000&step=1m"
        + "&agg=p95,count,distinct_instances&metric=latency_ms&group_by=dimension.region,version"
        + "&filter=version=5.3.0&filter=version%3D5.2.1&filter=dimension.os=linux&filter=deploy_type=&fill=zero");

    assertThat(query.step()).isEqualTo(Step.MINUTE);
    assertThat(query.aggs()).containsExactly(Agg.P95, Agg.COUNT, Agg.DISTINCT_INSTANCES);
    assertThat(query.metric()).isEqualTo("latency_ms");
    assertThat(query.groupBy()).containsExactly(Field.dimension("region"), Field.VERSION);
    assertThat(query.filters()).isEqualTo(Map.of(
        Field.VERSION, Set.of("5.3.0", "5.2.1"),
        Field.dimension("os"), Set.of("linux"),
        Field.DEPLOY_TYPE, Set.of("")));
    assertThat(query.fillZero()).isTrue();
  }

  @Test
  void emptyOptionalParametersCountAsAbsent() {
    RollupQuery query = asked("event=a&from=0&to=1&step=&agg=&metric=&group_by=&filter=&fill=");

    assertThat(query.step()).isEqualTo(Step.HOUR);
    assertThat(query.aggs()).containsExactly(Agg.COUNT);
    assertThat(query.groupBy()).isEmpty();
    assertThat(query.filters()).isEmpty();
  }

  @Test
  void everyAggregateOfApiMdIsAccepted() {
    RollupQuery query = asked("event=a&from=0&to=1&metric=m"
        + "&agg=count,distinct_instances,sum,min,max,avg,p50,p90,p95,p99");

    assertThat(query.aggs()).containsExactly(Agg.values());
  }
}
