package io.pingstack.gateway;

import static io.pingstack.gateway.SourcegraphFixtures.bytes;
import static io.pingstack.gateway.SourcegraphFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.model.proto.Ping;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class UpdateCheckEndpointTest {
  private final InMemoryWal wal = new InMemoryWal();
  private final PingIntake intake = new PingIntake(GatewayConfig.defaults(),
      new IngestService(wal, new DedupWindow(Duration.ofHours(24), 1_000_000), "node-a"), new InflightBudget(1 << 20),
      GatewayMetrics.NOOP);

  private UpdateCheckEndpoint endpoint(String updateVersion) {
    return endpoint(updateVersion, InstantSource.system());
  }

  private UpdateCheckEndpoint endpoint(String updateVersion, InstantSource clock) {
    return new UpdateCheckEndpoint(intake, new SourcegraphConfig(true, updateVersion, SourcegraphConfig.InitAdmin.DROP, null),
        clock);
  }

  private static HttpCall post(byte[] body) {
    return new HttpCall(HttpMethod.POST, "/.api/updates", Map.of(), new DefaultHttpHeaders(), body, "10.0.0.1");
  }

  private static HttpCall get(String uri) {
    QueryStringDecoder decoded = new QueryStringDecoder(uri);
    return new HttpCall(HttpMethod.GET, decoded.path(), decoded.parameters(), new DefaultHttpHeaders(), new byte[0], "10.0.0.1");
  }

  private static String body(String site, String version, String deployType) {
    return "{\"site\":\"" + site + "\",\"version\":\"" + version + "\",\"deployType\":\"" + deployType + "\",\"u\":1}";
  }

  private static ApiException refusal(UpdateCheckEndpoint endpoint, HttpCall call) {
    return catchThrowableOfType(ApiException.class, () -> endpoint.handle(call).join());
  }

  private List<Ping> stored() {
    return wal.records().stream().flatMap(r -> r.getPingsList().stream()).toList();
  }

  @Test
  void storedPingIsAnswered204WithNoBodyOnceDurable() {
    HttpReply reply = endpoint("").handle(post(bytes(SourcegraphFixtures.DEFAULT))).join();

    assertThat(reply.status().code()).isEqualTo(204);
    assertThat(reply.body()).isEmpty();
    assertThat(stored()).singleElement().satisfies(p -> {
      assertThat(p.getEvent()).isEqualTo("sourcegraph.ping");
      assertThat(p.getInstanceId()).isEqualTo("0101-0101");
    });
    assertThat(wal.records().get(0).getPrincipal()).isEqualTo("anonymous");
  }

  @Test
  void retryInTheSameWindowIsStoredOnceAndARetryAfterItAgain() {
    long window = UpdateCheckPing.WINDOW.toMillis();
    Instant windowStart = Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), window) * window);
    AtomicReference<Instant> now = new AtomicReference<>(windowStart.plusSeconds(60));
    UpdateCheckEndpoint endpoint = endpoint("", now::get);

    assertThat(endpoint.handle(post(bytes(SourcegraphFixtures.DEFAULT))).join().status().code()).isEqualTo(204);
    now.set(windowStart.plusMillis(window - 1));
    assertThat(endpoint.handle(post(bytes(SourcegraphFixtures.DEFAULT))).join().status().code()).isEqualTo(204);

    assertThat(stored()).hasSize(1);
    assertThat(wal.barriers()).as("the retry waits on the first instead of being stored").isEqualTo(1);

    now.set(windowStart.plusMillis(window));
    assertThat(endpoint.handle(post(bytes(SourcegraphFixtures.DEFAULT))).join().status().code()).isEqualTo(204);

    assertThat(stored()).as("the same body in the next window is a new check").hasSize(2);
    assertThat(wal.barriers()).isEqualTo(1);
  }

  @Test
  void configuredReleaseIsAnnouncedOnlyToOlderVersionsAndAlwaysToTheApp() {
    UpdateCheckEndpoint endpoint = endpoint("v5.3.3");

    HttpReply older = endpoint.handle(post(json(body("s-1", "v5.2.7", "kubernetes")))).join();
    HttpReply same = endpoint.handle(post(json(body("s-2", "5.3.3", "kubernetes")))).join();
    HttpReply newer = endpoint.handle(post(json(body("s-3", "5.4.0-rc.1", "helm")))).join();
    HttpReply dateBuild = endpoint.handle(post(json(body("s-4", "19272_2018-08-01_f7dec47", "server")))).join();
    HttpReply app = endpoint.handle(post(bytes(SourcegraphFixtures.APP))).join();

    assertThat(older.status().code()).isEqualTo(200);
    assertThat(older.contentType()).isEqualTo("application/json");
    assertThat(new String(older.body(), StandardCharsets.UTF_8)).isEqualTo("{\"version\":\"5.3.3\",\"updateAvailable\":true}");
    assertThat(same.status().code()).isEqualTo(204);
    assertThat(newer.status().code()).isEqualTo(204);
    assertThat(dateBuild.status().code()).isEqualTo(204);
    assertThat(app.status().code()).isEqualTo(200);
    assertThat(new String(app.body(), StandardCharsets.UTF_8)).isEqualTo("{\"version\":\"5.3.3\",\"updateAvailable\":false}");
    assertThat(stored()).hasSize(5);
  }

  @Test
  void missingSiteOrVersionIs400AndDevBuildsAre204WithNothingStored() {
    UpdateCheckEndpoint endpoint = endpoint("5.3.3");

    assertThat(refusal(endpoint, post(json("{\"version\":\"5.3.3\"}"))).code()).isEqualTo("missing_site");
    assertThat(refusal(endpoint, post(json("{\"site\":\"\",\"version\":\"5.3.3\"}"))).code()).isEqualTo("missing_site");
    assertThat(refusal(endpoint, post(json("{\"site\":\"s-1\"}"))).code()).isEqualTo("missing_version");
    assertThat(refusal(endpoint, post(json("{\"site\":\"s-1\",\"version\":5}"))).code()).isEqualTo("malformed_body");
    assertThat(refusal(endpoint, get("/updates")).code()).isEqualTo("missing_site");
    assertThat(refusal(endpoint, get("/updates?site=s-1")).code()).isEqualTo("missing_version");
    assertThat(endpoint.handle(post(json(body("s-1", "dev", "server")))).join().status().code()).isEqualTo(204);
    assertThat(endpoint.handle(get("/updates?site=s-1&version=dev")).join().status().code()).isEqualTo(204);

    assertThat(stored()).isEmpty();
  }

  @Test
  void pingThePingRulesRefuseIs400WithItsReason() {
    ApiException e = refusal(endpoint(""), post(json(body("s".repeat(129), "5.3.3", "server"))));

    assertThat(e.status().code()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("instance_id_too_long");
    assertThat(stored()).isEmpty();
  }

  @Test
  void legacyGetIsStoredLikeAPost() {
    HttpReply reply = endpoint("5.3.3").handle(get(SourcegraphFixtures.legacyUrl())).join();

    assertThat(reply.status().code()).isEqualTo(200);
    assertThat(stored()).singleElement().satisfies(p -> {
      assertThat(p.getInstanceId()).isEqualTo("0101-0101");
      assertThat(p.getMetricsMap()).containsEntry("total_users", 234.0);
      assertThat(p.getPayload()).doesNotContain("@");
    });
  }

  @Test
  void refusingLogIsA503AndNothingIsAcknowledged() {
    wal.refuse(WalUnavailableException.Cause.BACKPRESSURE);

    Throwable failure = catchThrowableOfType(CompletionException.class,
        () -> endpoint("").handle(post(bytes(SourcegraphFixtures.DEFAULT))).join());

    assertThat(Replies.classify(failure).status().code()).isEqualTo(503);
    assertThat(wal.records()).isEmpty();
  }

  @Test
  void compressedOrOversizedBodiesAreRefusedFromTheHeaders() {
    UpdateCheckEndpoint endpoint = endpoint("");
    HttpRequest gzip = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/updates");
    gzip.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    HttpRequest huge = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/updates");
    huge.headers().set(HttpHeaderNames.CONTENT_LENGTH, GatewayConfig.defaults().maxWireBytes() + 1L);
    HttpRequest plain = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/updates");
    plain.headers().set(HttpHeaderNames.CONTENT_LENGTH, 300);

    assertThat(endpoint.precheck(gzip).code()).isEqualTo("unsupported_encoding");
    assertThat(endpoint.precheck(huge).status().code()).isEqualTo(413);
    assertThat(endpoint.precheck(plain)).isNull();
  }
}
