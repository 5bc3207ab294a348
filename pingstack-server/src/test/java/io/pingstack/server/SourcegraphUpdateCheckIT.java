package io.pingstack.server;

import static io.pingstack.server.IngestHttpIT.assertError;
import static io.pingstack.server.Servers.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.pingstack.model.proto.Ping;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sourcegraph's update check (API.md section 2, sourcegraph/README.md section 1) over real sockets,
 * against the real service, with the request fixtures Sourcegraph's own tests use.
 */
class SourcegraphUpdateCheckIT {
  private static final String DEFAULT = "01-ping-request-handler-test-default.json";
  private static final String APP = "02-ping-request-app-limited.json";
  private static final String CODE_INTEL = "04-ping-request-legacy-code-intel-usage.json";
  private static final String OWN_USAGE = "05-ping-request-own-usage.json";
  private static final String LEGACY_GET = "06-ping-request-legacy-get-query.json";
  private static final String UPDATE_AVAILABLE = "10-ping-response-update-available.json";
  private static final String EMAIL = "test@sourcegraph.com";

  @TempDir Path dir;

  static String fixture(String name) {
    try (InputStream in = SourcegraphUpdateCheckIT.class.getResourceAsStream("/sourcegraph/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The path and query string of the legacy GET fixture. */
  static String legacyUrl() {
    Matcher url = Pattern.compile("\"url\": \"([^\"]+)\"").matcher(fixture(LEGACY_GET));
    assertThat(url.find()).as("the legacy GET fixture has a url").isTrue();
    return url.group(1);
  }

  static HttpResponse<String> post(int port, String path, String body) throws Exception {
    return Servers.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("User-Agent", "Sourcegraph-Bot")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(int port, String pathAndQuery) throws Exception {
    return Servers.get(port, pathAndQuery);
  }

  static void assertNoContent(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
    assertThat(response.body()).isEmpty();
  }

  /** The one ping whose payload has {@code key} and not {@code unlessKey}. */
  static Ping only(List<Ping> pings, String key, String unlessKey) {
    List<Ping> matching = pings.stream()
        .filter(p -> p.getPayload().contains("\"" + key + "\"") && !p.getPayload().contains("\"" + unlessKey + "\""))
        .toList();
    assertThat(matching).as("the ping with " + key).hasSize(1);
    return matching.get(0);
  }

  /** The 30-minute deduplication window of the update check's ping_id that {@code millis} falls in. */
  static long window(long millis) {
    return millis / Duration.ofMinutes(30).toMillis();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/.api/updates", "/updates"})
  void everyFixtureIsStoredAsASourcegraphPingAndAnswered204(String path) throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      int port = server.httpPort();
      for (String name : List.of(DEFAULT, APP, CODE_INTEL, OWN_USAGE)) {
        assertNoContent(post(port, path, fixture(name)));
      }
      assertNoContent(get(port, legacyUrl().replace("/updates", path)));
    }

    List<Ping> pings = Servers.walPings(dir);
    assertThat(pings).hasSize(5).allSatisfy(p -> {
      assertThat(p.getEvent()).isEqualTo("sourcegraph.ping");
      assertThat(p.getInstanceId()).isEqualTo("0101-0101");
      assertThat(p.getPingId()).matches("[0-9a-f]{64}");
      assertThat(p.getPayload()).doesNotContain(EMAIL).doesNotContain("initAdmin");
    });
    Ping defaults = only(pings, "LicenseKey", "codeIntelUsage");
    assertThat(defaults.getDeployType()).isEqualTo("server");
    assertThat(defaults.getVersion()).isEqualTo("3.12.6");
    assertThat(defaults.getMetricsMap()).containsOnly(entry("u", 123.0), entry("total_users", 234.0), entry("signup", 1.0),
        entry("access_request_enabled", 1.0), entry("repos", 1.0), entry("refs", 1.0));
    assertThat(defaults.getDimensionsMap()).containsOnly(entry("auth", "bar,foo"), entry("extsvcs", "GITHUB,GITLAB"));
    assertThat(defaults.getPayload()).contains("\"LicenseKey\":\"mylicense\"", "\"act\":{\"foo\":\"bar\"}");
    Ping app = only(pings, "os", "LicenseKey");
    assertThat(app.getDeployType()).isEqualTo("app");
    assertThat(app.getVersion()).isEqualTo("2023.03.23+205275.dd37e7");
    assertThat(app.getMetricsMap()).containsOnly(entry("total_repos", 345.0), entry("active_today", 1.0));
    assertThat(app.getDimensionsMap()).containsOnly(entry("os", "mac"));
    assertThat(only(pings, "codeIntelUsage", "ownUsage").getPayload())
        .contains("\"References\":{\"LSIF\":{\"UsersCount\":5,\"EventsCount\":1}");
    assertThat(only(pings, "ownUsage", "codeIntelUsage").getPayload()).contains("\"repos_count\":{\"total\":42,\"with_ingested_ownership\":15}");
    Ping legacy = only(pings, "hasExtURL", "LicenseKey");
    assertThat(legacy.getDeployType()).isEqualTo("server");
    assertThat(legacy.getMetricsMap()).containsOnly(entry("u", 123.0), entry("total_users", 234.0), entry("signup", 1.0),
        entry("has_ext_url", 0.0), entry("repos", 1.0), entry("searched", 0.0), entry("refs", 1.0));
    assertThat(legacy.getDimensionsMap()).containsOnly(entry("auth", "bar,foo"), entry("extsvcs", "GITHUB,GITLAB"));
    assertThat(legacy.getPayload()).contains("\"act\":{\"foo\":\"bar\"}");
  }

  @Test
  void retryOfTheSameBodyIsStoredOnceWhicheverPathItTakes() throws Exception {
    long start = System.currentTimeMillis();
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      int port = server.httpPort();
      assertNoContent(post(port, "/.api/updates", fixture(DEFAULT)));
      assertNoContent(post(port, "/.api/updates", fixture(DEFAULT)));
      assertNoContent(post(port, "/updates", fixture(DEFAULT).replace("\n", "\r\n  ")));
      assertNoContent(get(port, legacyUrl()));
      assertNoContent(get(port, legacyUrl().replace("/updates", "/.api/updates")));
    }

    // Retries in the next 30-minute window are new checks, stored again: rare, but a test must not skip.
    boolean crossed = window(start) != window(System.currentTimeMillis());
    List<Ping> stored = Servers.walPings(dir);
    assertThat(stored).extracting(Ping::getPayload).anySatisfy(p -> assertThat(p).contains("LicenseKey"));
    assertThat(stored.size()).isBetween(2, crossed ? 4 : 2);
  }

  @Test
  void configuredReleaseIsAnnouncedWithSourcegraphsResponseShape() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir, "PINGSTACK_SOURCEGRAPH_UPDATE_VERSION", "5.3.3")))) {
      int port = server.httpPort();
      HttpResponse<String> older = post(port, "/.api/updates", fixture(DEFAULT));
      assertThat(older.statusCode()).isEqualTo(200);
      assertThat(older.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(older.body()).isEqualTo("{\"version\":\"5.3.3\",\"updateAvailable\":true}");
      assertThat(keys(older.body())).isEqualTo(keys(fixture(UPDATE_AVAILABLE)));
      assertThat(get(port, legacyUrl()).body()).isEqualTo("{\"version\":\"5.3.3\",\"updateAvailable\":true}");
      assertNoContent(post(port, "/updates", "{\"site\":\"s-2\",\"version\":\"v5.3.3\",\"deployType\":\"helm\"}"));
      assertNoContent(post(port, "/updates", "{\"site\":\"s-3\",\"version\":\"19272_2018-08-01_f7dec47\",\"deployType\":\"server\"}"));
      HttpResponse<String> app = post(port, "/updates", fixture(APP));
      assertThat(app.statusCode()).isEqualTo(200);
      assertThat(app.body()).isEqualTo("{\"version\":\"5.3.3\",\"updateAvailable\":false}");
    }

    assertThat(Servers.walPings(dir)).extracting(Ping::getInstanceId).containsExactly("0101-0101", "0101-0101", "s-2", "s-3", "0101-0101");
  }

  @Test
  void badChecksAre400DevBuildsAre204AndNeitherIsStored() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      int port = server.httpPort();
      assertError(post(port, "/.api/updates", "{\"version\":\"5.3.3\"}"), 400, "missing_site");
      assertError(post(port, "/updates", "{\"site\":\"s-1\",\"deployType\":\"server\"}"), 400, "missing_version");
      HttpResponse<String> broken = post(port, "/updates", "{\"site\": \"secret-site\", \"version\": ");
      assertError(broken, 400, "malformed_body");
      assertThat(broken.body()).doesNotContain("secret-site");
      assertError(post(port, "/updates", "[" + fixture(DEFAULT) + "]"), 400, "malformed_body");
      assertError(post(port, "/updates", "{\"site\":\"s-1\",\"version\":\"5.3.3\",\"u\":\"many\"}"), 400, "malformed_body");
      assertError(get(port, "/updates"), 400, "missing_site");
      assertError(get(port, "/.api/updates?site=s-1&deployType=server"), 400, "missing_version");
      assertNoContent(post(port, "/updates", "{\"site\":\"s-1\",\"version\":\"dev\",\"deployType\":\"dev\",\"u\":3}"));
      assertNoContent(get(port, "/.api/updates?site=s-1&version=dev"));
      assertError(get(port, "/updates/"), 404, "not_found");
    }

    assertThat(Servers.walPings(dir)).isEmpty();
  }

  @Test
  void initAdminIsStoredAsAKeyedHashWhenConfigured() throws Exception {
    Path key = dir.resolve("init-admin.key");
    Files.writeString(key, "k3y-for-tests\n");
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir.resolve("data"),
        "PINGSTACK_SOURCEGRAPH_INIT_ADMIN", "hash", "PINGSTACK_SOURCEGRAPH_INIT_ADMIN_HASH_KEY_FILE", key.toString())))) {
      assertNoContent(post(server.httpPort(), "/.api/updates", fixture(DEFAULT)));
    }

    String payload = Servers.walPings(dir.resolve("data")).get(0).getPayload();
    assertThat(payload).contains("\"initAdmin\":\"hmac-sha256:" + hmac("k3y-for-tests", EMAIL) + "\"").doesNotContain(EMAIL);
  }

  @Test
  void hashingWithoutAKeyFailsTheStart() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.key"), "\n");

    assertThatThrownBy(() -> ServerConfig.load(env(dir, "PINGSTACK_SOURCEGRAPH_INIT_ADMIN", "hash")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sourcegraph.init_admin_hash_key_file");
    assertThatThrownBy(() -> ServerConfig.load(env(dir, "PINGSTACK_SOURCEGRAPH_INIT_ADMIN", "hash",
        "PINGSTACK_SOURCEGRAPH_INIT_ADMIN_HASH_KEY_FILE", empty.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("is empty");
    assertThatThrownBy(() -> ServerConfig.load(env(dir, "PINGSTACK_SOURCEGRAPH_INIT_ADMIN", "hash",
        "PINGSTACK_SOURCEGRAPH_INIT_ADMIN_HASH_KEY_FILE", dir.resolve("missing.key").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read");
    assertThatThrownBy(() -> ServerConfig.load(env(dir, "PINGSTACK_SOURCEGRAPH_UPDATE_VERSION", "latest")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sourcegraph.update_version");
  }

  @Test
  void disabledUpdateChecksAreUnknownPaths() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir, "PINGSTACK_SOURCEGRAPH_UPDATE_CHECK_ENABLED", "false")))) {
      assertError(post(server.httpPort(), "/.api/updates", fixture(DEFAULT)), 404, "not_found");
      assertError(post(server.httpPort(), "/updates", fixture(DEFAULT)), 404, "not_found");
      assertError(get(server.httpPort(), legacyUrl()), 404, "not_found");
    }

    assertThat(Servers.walPings(dir)).isEmpty();
  }

  @Test
  void sharedLimitsAnswer429And413AsForEveryIngestRequest() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "fleet s3cret\n");
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir.resolve("data"),
        "PINGSTACK_INGEST_TOKENS_FILE", tokens.toString(),
        "PINGSTACK_INGEST_RATE_LIMIT_PINGS_PER_SECOND", "0.001", "PINGSTACK_INGEST_RATE_LIMIT_BURST", "1",
        "PINGSTACK_INGEST_MAX_WIRE_BYTES", "64KiB", "PINGSTACK_INGEST_MAX_DECOMPRESSED_BYTES", "1MiB",
        "PINGSTACK_INGEST_MAX_INFLIGHT_BYTES", "8MiB")))) {
      int port = server.httpPort();
      assertNoContent(post(port, "/.api/updates", fixture(DEFAULT)));
      HttpResponse<String> limited = post(port, "/.api/updates", fixture(APP));
      assertError(limited, 429, "rate_limited");
      assertThat(limited.headers().firstValueAsLong("Retry-After").orElse(0)).isPositive();
      assertError(post(port, "/updates", "{\"site\":\"s-1\",\"version\":\"5.3.3\",\"act\":\"" + "x".repeat(70_000) + "\"}"),
          413, "body_too_large");
    }

    assertThat(Servers.walPings(dir.resolve("data"))).extracting(Ping::getInstanceId).containsExactly("0101-0101");
  }

  private static List<String> keys(String json) {
    Matcher key = Pattern.compile("\"(\\w+)\"\\s*:").matcher(json);
    List<String> keys = new java.util.ArrayList<>();
    while (key.find()) {
      keys.add(key.group(1));
    }
    return keys;
  }

  private static String hmac(String key, String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
  }
}
