package io.pingstack.model;

import static io.pingstack.model.TestPings.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.pingstack.model.proto.Ping;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules of API.md section 1 on a decoded ping, at each boundary. */
class PingRulesTest {
  private static final long NOW = T0.toEpochMilli();
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  private static TestPings.Builder ping() {
    return TestPings.ping("inst-1", "p-1").at(T0);
  }

  private static Reason check(TestPings.Builder ping) {
    return check(ping.build());
  }

  private static Reason check(Ping ping) {
    return RULES.check(ping, NOW);
  }

  @Test
  void fixturePingIsValid() {
    assertThat(check(ping().metric("latency_ms", 12.5).dimension("lang", "go").payload("{\"a\":1}"))).isNull();
  }

  @Test
  void pingIdIsRequired() {
    assertThat(check(TestPings.ping("inst-1", "").at(T0))).isEqualTo(Reason.MISSING_PING_ID);
  }

  @Test
  void pingIdMayHave64CharsButNot65() {
    assertThat(check(TestPings.ping("inst-1", "p".repeat(64)).at(T0))).isNull();
    assertThat(check(TestPings.ping("inst-1", "p".repeat(65)).at(T0))).isEqualTo(Reason.PING_ID_TOO_LONG);
  }

  @Test
  void instanceIdIsRequired() {
    assertThat(check(TestPings.ping("", "p-1").at(T0))).isEqualTo(Reason.MISSING_INSTANCE_ID);
  }

  @Test
  void instanceIdMayHave128CharsButNot129() {
    assertThat(check(TestPings.ping("i".repeat(128), "p-1").at(T0))).isNull();
    assertThat(check(TestPings.ping("i".repeat(129), "p-1").at(T0))).isEqualTo(Reason.INSTANCE_ID_TOO_LONG);
  }

  @Test
  void timestampIsRequired() {
    assertThat(check(ping().build().toBuilder().clearTimestamp().build())).isEqualTo(Reason.MISSING_TIMESTAMP);
  }

  @Test
  void timestampExactlyFiveMinutesInTheFutureIsAccepted() {
    assertThat(check(ping().at(T0.plus(PingRules.MAX_FUTURE)))).isNull();
  }

  @Test
  void timestampMoreThanFiveMinutesInTheFutureIsRefused() {
    assertThat(check(ping().at(T0.plus(PingRules.MAX_FUTURE).plusSeconds(1)))).isEqualTo(Reason.TIMESTAMP_IN_FUTURE);
    assertThat(check(ping().at(T0.plus(PingRules.MAX_FUTURE).plusMillis(1)))).isEqualTo(Reason.TIMESTAMP_IN_FUTURE);
  }

  @Test
  void pingExactlyAsOldAsTheMaxAgeIsAccepted() {
    assertThat(check(ping().at(T0.minus(Duration.ofDays(30))))).isNull();
  }

  @Test
  void pingOlderThanMaxAgeIsRefusedAsTooOld() {
    assertThat(check(ping().at(T0.minus(Duration.ofDays(30)).minusMillis(1)))).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
  }

  @Test
  void configuredMaxAgeReplacesTheDefault() {
    PingRules oneHour = new PingRules(Duration.ofHours(1));
    assertThat(oneHour.check(ping().at(T0.minusSeconds(3600)).build(), NOW)).isNull();
    assertThat(oneHour.check(ping().at(T0.minusSeconds(3601)).build(), NOW)).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
  }

  @Test
  void maxAgeMustBePositive() {
    assertThatThrownBy(() -> new PingRules(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PingRules(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void timestampOutsideTheProtobufTimestampRangeIsInvalid() {
    Ping farFuture = ping().build().toBuilder().setTimestamp(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build();
    Ping negativeNanos = ping().build().toBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(T0.getEpochSecond()).setNanos(-1)).build();
    assertThat(check(farFuture)).isEqualTo(Reason.INVALID_TIMESTAMP);
    assertThat(check(negativeNanos)).isEqualTo(Reason.INVALID_TIMESTAMP);
  }

  @Test
  void eventIsRequired() {
    assertThat(check(ping().event(""))).isEqualTo(Reason.MISSING_EVENT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "search.executed", "a0_.-z", "z9"})
  void eventMatchingTheNamePatternIsAccepted(String event) {
    assertThat(check(ping().event(event))).isNull();
  }

  @Test
  void eventMayHave128CharsButNot129() {
    assertThat(check(ping().event("e".repeat(128)))).isNull();
    assertThat(check(ping().event("e".repeat(129)))).isEqualTo(Reason.INVALID_EVENT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Search.executed", "search.Executed", "1search", "_search", ".search", "search executed",
      "search/executed", "search:executed", "recherche.effectuée", "search\n"})
  void eventNotMatchingTheNamePatternIsInvalid(String event) {
    assertThat(check(ping().event(event))).isEqualTo(Reason.INVALID_EVENT);
  }

  @Test
  void versionMayHave64CharsButNot65() {
    assertThat(check(ping().version("v".repeat(64)))).isNull();
    assertThat(check(ping().version("v".repeat(65)))).isEqualTo(Reason.VERSION_TOO_LONG);
  }

  @Test
  void deployTypeMayHave64CharsButNot65() {
    assertThat(check(ping().deployType("d".repeat(64)))).isNull();
    assertThat(check(ping().deployType("d".repeat(65)))).isEqualTo(Reason.DEPLOY_TYPE_TOO_LONG);
  }

  @Test
  void versionAndDeployTypeAreOptional() {
    assertThat(check(ping().version("").deployType(""))).isNull();
  }

  @Test
  void pingMayHave64MetricsButNot65() {
    assertThat(check(withMetrics(64))).isNull();
    assertThat(check(withMetrics(65))).isEqualTo(Reason.TOO_MANY_METRICS);
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void nonFiniteMetricValueIsInvalid(double value) {
    assertThat(check(ping().metric("latency_ms", value))).isEqualTo(Reason.INVALID_METRIC_VALUE);
  }

  @Test
  void extremeFiniteMetricValuesAreAccepted() {
    assertThat(check(ping().metric("a", Double.MAX_VALUE).metric("b", -Double.MAX_VALUE).metric("c", -0.0))).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Latency", "1st", "latency ms"})
  void metricNameNotMatchingTheNamePatternIsInvalid(String name) {
    assertThat(check(ping().metric(name, 1))).isEqualTo(Reason.INVALID_METRIC_NAME);
  }

  @Test
  void metricNameMayHave128CharsButNot129() {
    assertThat(check(ping().metric("m".repeat(128), 1))).isNull();
    assertThat(check(ping().metric("m".repeat(129), 1))).isEqualTo(Reason.INVALID_METRIC_NAME);
  }

  @Test
  void pingMayHave32DimensionsButNot33() {
    assertThat(check(withDimensions(32))).isNull();
    assertThat(check(withDimensions(33))).isEqualTo(Reason.TOO_MANY_DIMENSIONS);
  }

  @Test
  void dimensionValueMayHave256CharsButNot257() {
    assertThat(check(ping().dimension("lang", "v".repeat(256)))).isNull();
    assertThat(check(ping().dimension("lang", "v".repeat(257)))).isEqualTo(Reason.DIMENSION_VALUE_TOO_LONG);
  }

  @Test
  void emptyOrOverlongDimensionKeyIsInvalid() {
    assertThat(check(ping().dimension("", "go"))).isEqualTo(Reason.INVALID_DIMENSION_KEY);
    assertThat(check(ping().dimension("k".repeat(129), "go"))).isEqualTo(Reason.INVALID_DIMENSION_KEY);
  }

  @Test
  void payloadOfExactly64KibIsAcceptedAndOneByteMoreIsTooLarge() {
    assertThat(check(ping().payload(payloadOfBytes(64 * 1024, "x")))).isNull();
    assertThat(check(ping().payload(payloadOfBytes(64 * 1024 + 1, "x")))).isEqualTo(Reason.PAYLOAD_TOO_LARGE);
  }

  @Test
  void payloadSizeIsCountedInUtf8Bytes() {
    String threeByteChars = payloadOfBytes(64 * 1024 + 1, "€"); // fewer than 64 Ki chars, more than 64 KiB
    assertThat(threeByteChars.length()).isLessThan(64 * 1024);
    assertThat(check(ping().payload(threeByteChars))).isEqualTo(Reason.PAYLOAD_TOO_LARGE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "1", "\"text\"", "null", "true", "{", "{\"a\":1", "{} {}", "{\"a\":1,\"a\":2}", "not json"})
  void payloadThatIsNotOneJsonObjectIsInvalid(String payload) {
    assertThat(check(ping().payload(payload))).isEqualTo(Reason.INVALID_PAYLOAD);
  }

  @Test
  void payloadMayBeSurroundedByWhitespace() {
    assertThat(check(ping().payload(" \n{\"a\": [1, {\"b\": null}]}\t"))).isNull();
  }

  private static TestPings.Builder withMetrics(int count) {
    TestPings.Builder ping = ping();
    for (int i = 0; i < count; i++) {
      ping.metric("m" + i, i);
    }
    return ping;
  }

  private static TestPings.Builder withDimensions(int count) {
    TestPings.Builder ping = ping();
    for (int i = 0; i < count; i++) {
      ping.dimension("d" + i, "v");
    }
    return ping;
  }

  /** {@code {"p":"ccc…"}} of exactly {@code bytes} UTF-8 bytes, padded with ASCII after the last whole {@code c}. */
  static String payloadOfBytes(int bytes, String c) {
    int room = bytes - "{\"p\":\"\"}".length();
    int width = TestPings.utf8(c).length;
    return "{\"p\":\"" + c.repeat(room / width) + "x".repeat(room % width) + "\"}";
  }
}
