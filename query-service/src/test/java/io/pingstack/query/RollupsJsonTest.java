package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.rollups.RollupResult;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The answer of {@code GET /v1/rollups}, byte for byte as API.md section 3 shows it. */
class RollupsJsonTest {
  private final FakeRollupReader reader = new FakeRollupReader();
  private final HttpEndpoint rollups =
      QueryService.endpoints(reader, QueryConfig.defaults(), new QueryLatency()).get("/v1/rollups");

  private static long t(String rfc3339) {
    return Instant.parse(rfc3339).toEpochMilli();
  }

  private static RollupResult.Point point(String t, double... values) {
    return new RollupResult.Point(t(t), values);
  }

  private Calls.Answer get(String parameters) {
    return Calls.answer(rollups, Calls.get("/v1/rollups?" + parameters));
  }

  @Test
  void answerIsTheJsonOfApiMd() {
    reader.series = List.of(new RollupResult.Series(Map.of("version", "5.3.0"),
        List.of(point("2026-11-20T10:00:00Z", 1234, 87, 412.5))));

    Calls.Answer answer = get("event=search.executed&step=1h&from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z"
        + "&agg=count,distinct_instances,p95&metric=latency_ms&group_by=version");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.contentType()).isEqualTo("application/json");
    assertThat(answer.body()).isEqualTo("{\"event\":\"search.executed\",\"step\":\"1h\","
        + "\"from\":\"2026-11-20T00:00:00Z\",\"to\":\"2026-11-21T00:00:00Z\","
        + "\"series\":[{\"group\":{\"version\":\"5.3.0\"},"
        + "\"points\":[{\"t\":\"2026-11-20T10:00:00Z\",\"count\":1234,\"distinct_instances\":87,\"p95\":412.5}]}]}");
  }

  @Test
  void fromAndToAreTheRangeAlignedDownToTheStep() {
    Calls.Answer answer = get("event=a&step=1d&from=2026-11-20T13:45:00Z&to=2026-11-23T00:00:00.001Z");

    assertThat(answer.body()).startsWith(
        "{\"event\":\"a\",\"step\":\"1d\",\"from\":\"2026-11-20T00:00:00Z\",\"to\":\"2026-11-23T00:00:00Z\",");
  }

  @Test
  void missingValuesAreNullAndIntegralAggregatesAreIntegers() {
    reader.series = List.of(new RollupResult.Series(Map.of(), List.of(
        point("2026-11-20T10:00:00Z", 3, 2.6, Double.NaN, 7.0, Double.POSITIVE_INFINITY),
        point("2026-11-20T11:00:00Z", 0, 0, Double.NaN, Double.NaN, Double.NaN))));

    Calls.Answer answer = get("event=a&from=2026-11-20T10:00:00Z&to=2026-11-20T12:00:00Z"
        + "&agg=count,distinct_instances,avg,sum,max&metric=m&fill=zero");

    assertThat(answer.body()).isEqualTo("{\"event\":\"a\",\"step\":\"1h\","
        + "\"from\":\"2026-11-20T10:00:00Z\",\"to\":\"2026-11-20T12:00:00Z\",\"series\":[{\"group\":{},\"points\":["
        + "{\"t\":\"2026-11-20T10:00:00Z\",\"count\":3,\"distinct_instances\":3,\"avg\":null,\"sum\":7.0,\"max\":null},"
        + "{\"t\":\"2026-11-20T11:00:00Z\",\"count\":0,\"distinct_instances\":0,\"avg\":null,\"sum\":null,\"max\":null}]}]}");
  }

  @Test
  void seriesKeepTheReadersOrderAndGroupsListTheGroupByFieldsInOrder() throws IOException {
    reader.series = List.of(
        new RollupResult.Series(Map.of("version", "5.3.0", "dimension.region", "eu"), List.of()),
        new RollupResult.Series(Map.of("version", "5.2.1"), List.of()),
        new RollupResult.Series(Map.of("version", "", "dimension.region", "us"), List.of()));

    Calls.Answer answer = get("event=a&from=0&to=3600000&group_by=dimension.region,version");

    assertThat(answer.body()).contains("\"series\":["
        + "{\"group\":{\"dimension.region\":\"eu\",\"version\":\"5.3.0\"},\"points\":[]},"
        + "{\"group\":{\"dimension.region\":\"\",\"version\":\"5.2.1\"},\"points\":[]},"
        + "{\"group\":{\"dimension.region\":\"us\",\"version\":\"\"},\"points\":[]}]");
    assertThat(wellFormed(answer.body())).isTrue();
  }

  @Test
  void groupValuesAndFractionalNumbersAreEscapedAndWrittenAsValidJson() throws IOException {
    reader.series = List.of(new RollupResult.Series(Map.of("version", "5.3 \"beta\"\n\u00e9"),
        List.of(point("2026-11-20T10:00:00Z", 0.1, -1.5e-7, 1e300))));

    Calls.Answer answer = get("event=a&from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z"
        + "&agg=avg,min,max&metric=m&group_by=version");

    assertThat(answer.body()).contains("{\"version\":\"5.3 \\\"beta\\\"\\n\u00e9\"}")
        .contains("\"avg\":0.1,\"min\":-1.5E-7,\"max\":1.0E300");
    assertThat(wellFormed(answer.body())).isTrue();
  }

  /** True when a JSON parser reads {@code json} to its end as one complete document (it throws otherwise). */
  private static boolean wellFormed(String json) throws IOException {
    try (JsonParser parser = new JsonFactory().createParser(json)) {
      int depth = 0;
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token.isStructStart()) {
          depth++;
        } else if (token.isStructEnd()) {
          depth--;
        }
      }
      return depth == 0;
    }
  }
}
