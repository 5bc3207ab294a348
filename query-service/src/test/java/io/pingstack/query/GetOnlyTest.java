package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpEndpoint;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GetOnlyTest {
  private final FakeRollupReader reader = new FakeRollupReader();
  private final Map<String, HttpEndpoint> endpoints =
      QueryService.endpoints(reader, QueryConfig.defaults(), new QueryLatency());

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "HEAD"})
  void everyEndpointRefusesMethodsOtherThanGet(String name) {
    HttpMethod method = HttpMethod.valueOf(name);
    for (Map.Entry<String, HttpEndpoint> e : endpoints.entrySet()) {
      Calls.Answer answer = Calls.answer(e.getValue(), Calls.call(method, e.getKey(), null));
      ApiException early = e.getValue().precheck(Calls.request(method, e.getKey(), null));

      assertThat(answer.status()).as("%s %s", name, e.getKey()).isEqualTo(405);
      assertThat(answer.code()).isEqualTo("method_not_allowed");
      assertThat(answer.message()).isEqualTo("use GET for " + e.getKey());
      assertThat(early).as("precheck of %s %s", name, e.getKey()).isNotNull();
      assertThat(early.status().code()).isEqualTo(405);
    }
    assertThat(reader.queries).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/v1/rollups", "/v1/events", "/v1/instances"})
  void getPassesThePrecheckAndNoBodyIsRead(String path) {
    HttpEndpoint endpoint = endpoints.get(path);

    assertThat(endpoint.precheck(Calls.request(HttpMethod.GET, path, null))).isNull();
    assertThat(endpoint.maxBodyBytes()).isZero();
  }
}
