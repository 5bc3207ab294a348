package io.pingstack.gateway;

import static io.pingstack.gateway.SourcegraphFixtures.bytes;
import static io.pingstack.gateway.SourcegraphFixtures.json;
import static io.pingstack.gateway.SourcegraphFixtures.keys;
import static io.pingstack.gateway.SourcegraphFixtures.member;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.pingstack.model.DecodedBatch;
import io.pingstack.model.PingRules;
import io.pingstack.model.proto.Ping;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class UpdateCheckPingTest {
  private static final long NOW = Instant.parse("2026-11-20T10:05:00Z").toEpochMilli();
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);
  private static final UpdateCheckPing DROPPING = mapping(SourcegraphConfig.defaults());

  private static UpdateCheckPing mapping(SourcegraphConfig config) {
    return new UpdateCheckPing(new UpdateCheckPayload(config));
  }

  private static SourcegraphConfig hashing(String key) {
    return new SourcegraphConfig(true, "", SourcegraphConfig.InitAdmin.HASH, key);
  }

  /** The ping for {@code body}, which must also pass the ping rules. */
  private static Ping ping(UpdateCheckPing mapping, byte[] body) {
    return valid(mapping.map(UpdateCheck.fromBody(body), NOW));
  }

  private static Ping ping(byte[] body) {
    return ping(DROPPING, body);
  }

  private static Ping valid(Ping ping) {
    DecodedBatch batch = DecodedBatch.validate(List.of(ping), RULES, NOW);
    assertThat(batch.rejected()).as("refused by the ping rules").isEmpty();
    return ping;
  }

  @Test
  void defaultFixtureIsASourcegraphPingWithCountersFlagsAndSortedLists() {
    Ping ping = ping(bytes(SourcegraphFixtures.DEFAULT));

    assertThat(ping.getEvent()).isEqualTo("sourcegraph.ping");
    assertThat(ping.getInstanceId()).isEqualTo("0101-0101");
    assertThat(ping.getVersion()).isEqualTo("3.12.6");
    assertThat(ping.getDeployType()).isEqualTo("server");
    assertThat(ping.getTimestamp().getSeconds()).isEqualTo(NOW / 1000);
    assertThat(ping.getMetricsMap()).containsOnly(entry("u", 123.0), entry("total_users", 234.0), entry("signup", 1.0),
        entry("access_request_enabled", 1.0), entry("repos", 1.0), entry("refs", 1.0));
    assertThat(ping.getDimensionsMap()).containsOnly(entry("auth", "bar,foo"), entry("extsvcs", "GITHUB,GITLAB"));
    assertThat(ping.getPingId()).hasSize(64).matches("[0-9a-f]{64}");
  }

  @Test
  void payloadIsTheWholeBodyInOrderWithoutInitAdmin() {
    String payload = ping(bytes(SourcegraphFixtures.DEFAULT)).getPayload();

    assertThat(keys(payload)).containsExactly("site", "LicenseKey", "deployType", "version", "auth", "extsvcs", "signup",
        "accessRequestEnabled", "u", "act", "totalUsers", "repos", "refs");
    assertThat(member(payload, "LicenseKey")).isEqualTo("\"mylicense\"");
    assertThat(member(payload, "act")).isEqualTo("{\"foo\":\"bar\"}");
    assertThat(payload).doesNotContain("initAdmin").doesNotContain("@");
  }

  @Test
  void appFixtureHasItsOsAsADimension() {
    Ping ping = ping(bytes(SourcegraphFixtures.APP));

    assertThat(ping.getDeployType()).isEqualTo("app");
    assertThat(ping.getVersion()).isEqualTo("2023.03.23+205275.dd37e7");
    assertThat(ping.getMetricsMap()).containsOnly(entry("total_repos", 345.0), entry("active_today", 1.0));
    assertThat(ping.getDimensionsMap()).containsOnly(entry("os", "mac"));
  }

  @Test
  void legacyCodeIntelUsageStaysOpaqueInThePayload() {
    String body = new String(bytes(SourcegraphFixtures.CODE_INTEL), StandardCharsets.UTF_8);
    Ping ping = ping(json(body));

    assertThat(member(ping.getPayload(), "codeIntelUsage")).isEqualTo(member(body, "codeIntelUsage"));
    assertThat(ping.getMetricsMap()).containsOnlyKeys("u", "total_users", "signup", "access_request_enabled", "repos", "refs");
  }

  @Test
  void ownUsageKeepsItsSnakeCaseShapeAndGivesNoMetric() {
    String body = new String(bytes(SourcegraphFixtures.OWN_USAGE), StandardCharsets.UTF_8);
    Ping ping = ping(json(body));

    assertThat(member(ping.getPayload(), "ownUsage")).isEqualTo(member(body, "ownUsage"));
    assertThat(ping.getMetricsMap()).containsOnly(entry("u", 123.0), entry("total_users", 234.0), entry("signup", 1.0),
        entry("repos", 1.0), entry("refs", 1.0));
  }

  @Test
  void legacyGetMapsLikeTheBodyWithExplicitFalseAsZero() {
    Ping ping = valid(DROPPING.map(SourcegraphFixtures.legacyGet(), NOW));

    assertThat(ping.getInstanceId()).isEqualTo("0101-0101");
    assertThat(ping.getVersion()).isEqualTo("3.12.6");
    assertThat(ping.getDeployType()).isEqualTo("server");
    assertThat(ping.getMetricsMap()).containsOnly(entry("u", 123.0), entry("total_users", 234.0), entry("signup", 1.0),
        entry("has_ext_url", 0.0), entry("repos", 1.0), entry("searched", 0.0), entry("refs", 1.0));
    assertThat(ping.getDimensionsMap()).containsOnly(entry("auth", "bar,foo"), entry("extsvcs", "GITHUB,GITLAB"));
    assertThat(member(ping.getPayload(), "act")).isEqualTo("{\"foo\":\"bar\"}");
    assertThat(member(ping.getPayload(), "auth")).isEqualTo("[\"foo\",\"bar\"]");
    assertThat(ping.getPayload()).doesNotContain("initAdmin").doesNotContain("@");
  }

  @Test
  void unknownTopLevelNumbersAndBooleansBecomeMetricsAndNestedValuesDoNot() {
    Ping ping = ping(json("{\"site\":\"s-1\",\"version\":\"5.3.3\",\"newCounter\":7,\"someFlag\":true,\"offFlag\":false,"
        + "\"ratio\":0.25,\"9lives\":3,\"label\":\"x\",\"nothing\":null,\"nested\":{\"deep\":1},\"list\":[1,2]}"));

    assertThat(ping.getMetricsMap()).containsOnly(entry("new_counter", 7.0), entry("some_flag", 1.0), entry("off_flag", 0.0),
        entry("ratio", 0.25));
    assertThat(ping.getDimensionsMap()).isEmpty();
    assertThat(keys(ping.getPayload())).containsExactly("site", "version", "newCounter", "someFlag", "offFlag", "ratio", "9lives",
        "label", "nothing", "nested", "list");
    assertThat(member(ping.getPayload(), "nested")).isEqualTo("{\"deep\":1}");
  }

  @Test
  void missingOptionalKeysAreAbsentNotZero() {
    Ping ping = ping(json("{\"site\":\"s-1\",\"version\":\"5.3.3\"}"));

    assertThat(ping.getMetricsMap()).isEmpty();
    assertThat(ping.getDimensionsMap()).isEmpty();
    assertThat(ping.getDeployType()).isEmpty();
    assertThat(ping.getPayload()).isEqualTo("{\"site\":\"s-1\",\"version\":\"5.3.3\"}");
  }

  @Test
  void codyUsageIsStoredWhateverItsShape() {
    String asArray = "{\"Daily\":[{\"StartTime\":\"2024-03-11T00:00:00Z\",\"TotalUsers\":4}]}";
    String asObject = "{\"Daily\":{\"StartTime\":\"2024-03-11T00:00:00Z\",\"TotalUsers\":4},\"Weekly\":null}";
    for (String codyUsage : List.of(asArray, asObject, "{}", "[]", "\"text\"")) {
      Ping ping = ping(json("{\"site\":\"s-1\",\"version\":\"5.3.3\",\"u\":2,\"codyUsage\":" + codyUsage + "}"));

      assertThat(member(ping.getPayload(), "codyUsage")).isEqualTo(codyUsage);
      assertThat(ping.getMetricsMap()).containsOnly(entry("u", 2.0));
    }
  }

  @Test
  void hugeCountersAreMetricsWhenFiniteAndStayExactInThePayload() {
    Ping ping = ping(json("{\"site\":\"s-1\",\"version\":\"5.3.3\",\"totalUsers\":3000000000,"
        + "\"gitDirBytes\":18446744073709551615,\"tooBig\":1e400,\"precise\":0.1000000000000000055511151231257827}"));

    assertThat(ping.getMetricsMap()).containsOnly(entry("total_users", 3e9), entry("git_dir_bytes", 1.8446744073709552E19),
        entry("precise", 0.1));
    assertThat(member(ping.getPayload(), "gitDirBytes")).isEqualTo("18446744073709551615");
    assertThat(ping.getPayload()).contains("\"tooBig\":1E+400").contains("\"precise\":0.1000000000000000055511151231257827");
  }

  @Test
  void declaredCountersAndFlagsAreKeptFirstWhenThereAreMoreThan64Metrics() {
    StringBuilder body = new StringBuilder("{\"site\":\"s-1\",\"version\":\"5.3.3\"");
    for (int i = 0; i < 100; i++) {
      body.append(",\"extra").append(i).append("\":").append(i);
    }
    body.append(",\"totalUsers\":5,\"refs\":true}");

    Ping ping = ping(json(body.toString()));

    assertThat(ping.getMetricsMap()).hasSize(PingRules.MAX_METRICS)
        .contains(entry("total_users", 5.0), entry("refs", 1.0), entry("extra0", 0.0), entry("extra61", 61.0))
        .doesNotContainKey("extra62");
    assertThat(keys(ping.getPayload())).hasSize(104);
  }

  @Test
  void listsAreDistinctSortedAndTooLongListsAreNoDimension() {
    Ping ping = ping(json("{\"site\":\"s-1\",\"version\":\"5.3.3\",\"auth\":[\"saml\",\"builtin\",\"saml\",\"\"],"
        + "\"extsvcs\":[\"" + "X".repeat(300) + "\"],\"os\":\"linux\"}"));

    assertThat(ping.getDimensionsMap()).containsOnly(entry("auth", "builtin,saml"), entry("os", "linux"));
    assertThat(member(ping.getPayload(), "auth")).isEqualTo("[\"saml\",\"builtin\",\"saml\",\"\"]");
  }

  @Test
  void initAdminIsAKeyedHashOfTheNormalisedAddressWhenConfigured() throws Exception {
    String body = "{\"site\":\"s-1\",\"version\":\"5.3.3\",\"initAdmin\":\"%s\",\"u\":1}";
    Ping ping = ping(mapping(hashing("k3y")), json(body.formatted("Admin@Example.com ")));

    String expected = "hmac-sha256:" + hmac("k3y", "admin@example.com");
    assertThat(member(ping.getPayload(), "initAdmin")).isEqualTo("\"" + expected + "\"");
    assertThat(ping.getPayload()).doesNotContain("@").doesNotContainIgnoringCase("example");
    assertThat(keys(ping.getPayload())).containsExactly("site", "version", "initAdmin", "u");
    String otherKey = member(ping(mapping(hashing("other")), json(body.formatted("admin@example.com"))).getPayload(), "initAdmin");
    assertThat(otherKey).isNotEqualTo("\"" + expected + "\"");
  }

  @Test
  void initAdminIsDroppedByDefaultAndInTheLegacyGet() {
    Ping fromBody = ping(bytes(SourcegraphFixtures.OWN_USAGE));
    Ping hashedGet = valid(mapping(hashing("k3y")).map(SourcegraphFixtures.legacyGet(), NOW));

    assertThat(keys(fromBody.getPayload())).doesNotContain("initAdmin");
    assertThat(fromBody.getPayload()).doesNotContain("test@sourcegraph.com");
    assertThat(member(hashedGet.getPayload(), "initAdmin")).startsWith("\"hmac-sha256:");
    assertThat(hashedGet.getPayload()).doesNotContain("test@sourcegraph.com");
  }

  @Test
  void retryWithinTheWindowHasTheSamePingIdAndAnythingElseAnother() {
    byte[] body = bytes(SourcegraphFixtures.DEFAULT);
    long windowStart = Math.floorDiv(NOW, UpdateCheckPing.WINDOW.toMillis()) * UpdateCheckPing.WINDOW.toMillis();
    String first = DROPPING.map(UpdateCheck.fromBody(body), windowStart).getPingId();

    String retry = DROPPING.map(UpdateCheck.fromBody(body), windowStart + Duration.ofMinutes(29).toMillis()).getPingId();
    String nextWindow = DROPPING.map(UpdateCheck.fromBody(body), windowStart + Duration.ofMinutes(30).toMillis()).getPingId();
    String otherBody = DROPPING.map(UpdateCheck.fromBody(bytes(SourcegraphFixtures.CODE_INTEL)), windowStart).getPingId();
    String reformatted = DROPPING.map(UpdateCheck.fromBody(json(new String(body, StandardCharsets.UTF_8).replaceAll("\\s", ""))),
        windowStart).getPingId();

    assertThat(retry).isEqualTo(first).isEqualTo(reformatted);
    assertThat(nextWindow).isNotEqualTo(first);
    assertThat(otherBody).isNotEqualTo(first);
  }

  @Test
  void payloadOver64KiBDropsTheLargestNestedValuesUntilItFits() {
    String body = "{\"site\":\"s-1\",\"version\":\"5.3.3\",\"u\":5,\"small\":{\"a\":1},"
        + "\"searchUsage\":{\"s\":\"" + "x".repeat(40_000) + "\"},"
        + "\"codyUsage\":[\"" + "y".repeat(30_000) + "\"],"
        + "\"LicenseKey\":\"" + "z".repeat(20_000) + "\"}";

    Ping ping = ping(json(body));

    assertThat(ping.getPayload().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(PingRules.MAX_PAYLOAD_BYTES);
    assertThat(keys(ping.getPayload())).containsExactly("site", "version", "u", "small", "codyUsage", "LicenseKey", "pingstack_dropped");
    assertThat(member(ping.getPayload(), "pingstack_dropped")).isEqualTo("[\"searchUsage\"]");
    assertThat(ping.getMetricsMap()).containsOnly(entry("u", 5.0));
  }

  @Test
  void payloadStillOverTheLimitAfterTheNestedValuesDropsTheLargestOthers() {
    String body = "{\"site\":\"s-1\",\"version\":\"5.3.3\",\"pingstack_dropped\":1,\"act\":{\"a\":\"" + "x".repeat(100) + "\"},"
        + "\"LicenseKey\":\"" + "z".repeat(300) + "\",\"os\":\"linux\"}";

    String payload = new String(new UpdateCheckPayload(SourcegraphConfig.defaults(), 120).write(UpdateCheck.fromBody(json(body))),
        StandardCharsets.UTF_8);

    assertThat(payload).isEqualTo(
        "{\"site\":\"s-1\",\"version\":\"5.3.3\",\"os\":\"linux\",\"pingstack_dropped\":[\"pingstack_dropped\",\"act\",\"LicenseKey\"]}");
  }

  private static String hmac(String key, String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void metricKeysFollowSourcegraphNames() {
    Map<String, Double> metrics = UpdateCheckPing.metrics(UpdateCheck.fromBody(json(
        "{\"site\":\"s\",\"version\":\"v\",\"hasExtURL\":true,\"accessRequestEnabled\":false,\"GitDirBytes\":3}")));

    assertThat(metrics).containsOnly(entry("has_ext_url", 1.0), entry("access_request_enabled", 0.0), entry("git_dir_bytes", 3.0));
  }
}
