package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpEndpoint;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BearerAuthTest {
  private static final String TOKEN = "s3cret-query-token";
  private static final String ROLLUPS = "/v1/rollups?event=a&from=0&to=3600000";

  private final FakeRollupReader reader = new FakeRollupReader();
  private final Map<String, HttpEndpoint> endpoints =
      QueryService.endpoints(reader, new QueryConfig(TOKEN, 1000), new QueryLatency());

  @ParameterizedTest
  @ValueSource(strings = {"/v1/rollups", "/v1/events", "/v1/instances"})
  void queryEndpointWithoutTokenIsUnauthorized(String path) {
    Calls.Answer answer = Calls.answer(endpoints.get(path), Calls.call(HttpMethod.GET, path, null));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.code()).isEqualTo("unauthorized");
    assertThat(reader.queries).isEmpty();
    assertThat(reader.activeSinceAsked).isEmpty();
  }

  @Test
  void wrongTokenIsUnauthorizedAndNotEchoed() {
    Calls.Answer wrong = Calls.answer(endpoints.get("/v1/rollups"), Calls.call(HttpMethod.GET, ROLLUPS, "guessZZ"));
    Calls.Answer prefix = Calls.answer(endpoints.get("/v1/rollups"),
        Calls.call(HttpMethod.GET, ROLLUPS, TOKEN.substring(0, TOKEN.length() - 1)));

    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.code()).isEqualTo("unauthorized");
    assertThat(wrong.message()).doesNotContain("ZZ");
    assertThat(prefix.status()).isEqualTo(401);
    assertThat(reader.queries).isEmpty();
  }

  @Test
  void rightTokenIsServed() {
    Calls.Answer answer = Calls.answer(endpoints.get("/v1/rollups"), Calls.call(HttpMethod.GET, ROLLUPS, TOKEN));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(reader.queries).hasSize(1);
  }

  @Test
  void tokenIsCheckedFromTheHeadersBeforeABodyIsRead() {
    ApiException missing = endpoints.get("/v1/events").precheck(Calls.request(HttpMethod.GET, "/v1/events", null));
    ApiException right = endpoints.get("/v1/events").precheck(Calls.request(HttpMethod.GET, "/v1/events", TOKEN));

    assertThat(missing).isNotNull();
    assertThat(missing.status().code()).isEqualTo(401);
    assertThat(right).isNull();
  }

  @Test
  void dashboardPageIsServedWithoutToken() {
    Calls.Answer page = Calls.answer(endpoints.get("/"), Calls.call(HttpMethod.GET, "/", null));

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
  }

  @Test
  void withoutConfiguredTokenQueriesAreOpen() {
    Map<String, HttpEndpoint> open = QueryService.endpoints(reader, QueryConfig.defaults(), new QueryLatency());

    assertThat(Calls.answer(open.get("/v1/events"), Calls.get("/v1/events")).status()).isEqualTo(200);
  }
}
