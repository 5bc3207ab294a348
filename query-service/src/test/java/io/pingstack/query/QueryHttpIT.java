package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.gateway.GatewayConfig;
import io.pingstack.gateway.GatewayMetrics;
import io.pingstack.gateway.HttpGateway;
import io.pingstack.gateway.IngestToken;
import io.pingstack.rollups.RollupResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The query endpoints served by the real gateway over a loopback socket. */
class QueryHttpIT {
  private static final String TOKEN = "query-token-1";
  private static final String INGEST_TOKEN = "ingest-token-1";
  private static final FakeRollupReader READER = new FakeRollupReader();
  private static final QueryLatency LATENCY = new QueryLatency();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private static HttpGateway gateway;

  @BeforeAll
  static void start() {
    GatewayConfig defaults = GatewayConfig.defaults();
    GatewayConfig config = new GatewayConfig("127.0.0.1", 0, "node-test", 1 << 20, 1 << 20, 100,
        defaults.maxHeaderBytes(), defaults.idleTimeout(), defaults.requestDeadline(), 8 << 20, 0, 0,
        List.of(new IngestToken("sender", INGEST_TOKEN, null)),
        defaults.maxPingAge(), defaults.dedupWindow(), 1000, defaults.eventLoopThreads());
    READER.series = List.of(new RollupResult.Series(Map.of(),
        List.of(new RollupResult.Point(Instant.parse("2026-11-20T10:00:00Z").toEpochMilli(), new double[] {5}))));
    gateway = HttpGateway.start(config, EmptyWal.create(),
        QueryService.endpoints(READER, new QueryConfig(TOKEN, 100), LATENCY), GatewayMetrics.NOOP);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static HttpResponse<String> send(String method, String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void rollupsAnswerTheContractJsonWithTheToken() throws Exception {
    HttpResponse<String> response = send("GET",
        "/v1/rollups?event=search.executed&from=2026-11-20T10:00:00%2B00:00&to=1795255200000", TOKEN);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.body()).isEqualTo("{\"event\":\"search.executed\",\"step\":\"1h\","
        + "\"from\":\"2026-11-20T10:00:00Z\",\"to\":\"2026-11-21T10:00:00Z\","
        + "\"series\":[{\"group\":{},\"points\":[{\"t\":\"2026-11-20T10:00:00Z\",\"count\":5}]}]}");
  }

  @Test
  void refusalsReachTheClientAsErrorJson() throws Exception {
    HttpResponse<String> noToken = send("GET", "/v1/events", null);
    HttpResponse<String> ingestToken = send("GET", "/v1/events", INGEST_TOKEN);
    HttpResponse<String> post = send("POST", "/v1/events", TOKEN);
    HttpResponse<String> invalid = send("GET", "/v1/rollups?event=a&from=0&to=1&step=2h", TOKEN);

    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(noToken.body()).startsWith("{\"error\":{\"code\":\"unauthorized\",\"message\":");
    assertThat(ingestToken.statusCode()).as("an ingest token is not a query token").isEqualTo(401);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.body()).isEqualTo("{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"use GET for /v1/events\"}}");
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).isEqualTo("{\"error\":{\"code\":\"invalid_step\",\"message\":\"step must be 1m, 1h or 1d\"}}");
  }

  @Test
  void dashboardIsServedAndEveryHandledRequestIsTimed() throws Exception {
    long before = LATENCY.snapshot().get("/").count();

    HttpResponse<String> page = send("GET", "/", null);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("<title>Pingstack</title>");
    assertThat(LATENCY.snapshot().get("/").count()).isEqualTo(before + 1);
  }
}
