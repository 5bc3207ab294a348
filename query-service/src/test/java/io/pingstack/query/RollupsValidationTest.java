package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.rollups.RollupQueryException;
import io.pingstack.rollups.RollupResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RollupsValidationTest {
  private static final String RANGE = "from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z";
  private static final String VALID = "/v1/rollups?event=search.executed&" + RANGE;
  /** Every raw value in the cases carries this marker; no error message may repeat it. */
  private static final String MARKER = "ZZ";

  private final FakeRollupReader reader = new FakeRollupReader();

  private HttpEndpoint rollups(int maxSeries) {
    return QueryService.endpoints(reader, new QueryConfig(null, maxSeries), new QueryLatency()).get("/v1/rollups");
  }

  private Calls.Answer get(String uri) {
    return Calls.answer(rollups(QueryConfig.DEFAULT_MAX_SERIES), Calls.get(uri));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/v1/rollups?" + RANGE + "                                       | missing_parameter  | event",
      "/v1/rollups?event=&" + RANGE + "                                | missing_parameter  | event",
      "/v1/rollups?event=a.b&to=2026-11-21T00:00:00Z                   | missing_parameter  | from",
      "/v1/rollups?event=a.b&from=2026-11-21T00:00:00Z                 | missing_parameter  | to",
      "/v1/rollups?event=Search.ZZ&" + RANGE + "                       | invalid_parameter  | event",
      "/v1/rollups?event=a.b&from=yesterdayZZ&to=2026-11-21T00:00:00Z  | invalid_time       | from",
      "/v1/rollups?event=a.b&from=2026-11-20T00:00:00Z&to=2026-13-01T00:00:00ZZ | invalid_time | to",
      "/v1/rollups?event=a.b&from=-5&to=1000ZZ                         | invalid_time       | from",
      "/v1/rollups?event=a.b&from=1000&to=99999999999999999999         | invalid_time       | to",
      "/v1/rollups?event=a.b&from=2026-11-20T10:00:00%2B02:00&to=2026-11-20T08:00:00Z | invalid_range | to",
      "/v1/rollups?event=a.b&from=1795000000000&to=1794999999999       | invalid_range      | to",
      VALID + "&step=5mZZ                                                | invalid_step       | step",
      VALID + "&agg=count,medianZZ                                       | unknown_agg        | agg",
      VALID + "&agg=count,,sum&metric=latency_ms                         | invalid_parameter  | agg",
      VALID + "&agg=count,count                                          | invalid_parameter  | agg",
      VALID + "&agg=count,p95                                            | missing_metric     | metric",
      VALID + "&agg=count&metric=latencyZZ                               | invalid_parameter  | metric",
      VALID + "&agg=p95&metric=Latency.ZZ                                | invalid_parameter  | metric",
      VALID + "&group_by=version,deploy_type,dimension.os                | too_many_group_by  | group_by",
      VALID + "&group_by=colourZZ                                        | invalid_parameter  | group_by",
      VALID + "&group_by=dimension.undeclaredZZ                          | invalid_parameter  | group_by",
      VALID + "&group_by=version,version                                 | invalid_parameter  | group_by",
      VALID + "&group_by=version,                                        | invalid_parameter  | group_by",
      VALID + "&filter=versionZZ                                         | invalid_parameter  | filter",
      VALID + "&filter=colourZZ=red                                      | invalid_parameter  | filter",
      VALID + "&filter=dimension.undeclared=ZZ                           | invalid_parameter  | filter",
      VALID + "&fill=sometimesZZ                                         | invalid_parameter  | fill",
      VALID + "&limitZZ=10                                               | unknown_parameter  | unknown query parameter;",
      VALID + "&step=1h&step=1dZZ                                        | repeated_parameter | step",
      VALID + "&event=other.ZZ                                           | repeated_parameter | event",
  })
  void everyProblemIsA400WithItsCodeNamingTheParameterWithoutEchoingTheValue(String uri, String code, String names) {
    Calls.Answer answer = get(uri);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.code()).isEqualTo(code);
    assertThat(answer.message()).startsWith(names + " ").doesNotContain(MARKER);
    assertThat(reader.queries).as("refused before the rollups are read").isEmpty();
  }

  @Test
  void filterValueLongerThanAnyPingCanCarryIsRefused() {
    Calls.Answer answer = get(VALID + "&filter=version=" + "v".repeat(Names.MAX_VALUE + 1));

    assertThat(answer.code()).isEqualTo("invalid_parameter");
    assertThat(answer.message()).contains("filter").doesNotContain("vvvv");
  }

  @Test
  void rollupQueryExceptionBecomesA400WithItsCodeAndMessage() {
    reader.refusal = new RollupQueryException("too_many_buckets", "the range holds more than 100000 buckets of 1m");

    Calls.Answer answer = get(VALID + "&step=1m");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.code()).isEqualTo("too_many_buckets");
    assertThat(answer.message()).isEqualTo("the range holds more than 100000 buckets of 1m");
  }

  @Test
  void answerWithMoreSeriesThanAllowedIsRefusedNotTruncated() {
    reader.series = List.of(
        new RollupResult.Series(Map.of("version", "1"), List.of()),
        new RollupResult.Series(Map.of("version", "2"), List.of()),
        new RollupResult.Series(Map.of("version", "3"), List.of()));

    Calls.Answer refused = Calls.answer(rollups(2), Calls.get(VALID + "&group_by=version"));
    Calls.Answer allowed = Calls.answer(rollups(3), Calls.get(VALID + "&group_by=version"));

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.code()).isEqualTo("too_many_series");
    assertThat(refused.message()).contains("2 series");
    assertThat(allowed.status()).isEqualTo(200);
  }
}
