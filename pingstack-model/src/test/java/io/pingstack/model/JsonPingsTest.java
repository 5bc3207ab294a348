package io.pingstack.model;

import static io.pingstack.model.TestPings.T0;
import static io.pingstack.model.TestPings.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.DecodedBatch.Rejected;
import io.pingstack.model.proto.Ping;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code application/json} bodies: {@code {"pings": [...]}}. */
class JsonPingsTest {
  private static final long NOW = T0.toEpochMilli();
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  static TestPings.Builder ping(String pingId) {
    return TestPings.ping("inst-1", pingId).at(T0);
  }

  static DecodedBatch decode(byte[] body) throws Exception {
    return decode(body, 100);
  }

  static DecodedBatch decode(byte[] body, int maxPings) throws Exception {
    return JsonPings.decodeJson(body, 0, body.length, RULES, NOW, maxPings);
  }

  static DecodedBatch decode(String body) throws Exception {
    return decode(utf8(body));
  }

  /** The JSON of {@code ping} with {@code field} (known or not) set to the raw JSON {@code value}. */
  static String withField(Ping ping, String field, String value) {
    var known = Ping.getDescriptor().findFieldByName(field);
    String json = TestPings.json(known == null ? ping : ping.toBuilder().clearField(known).build());
    return json.substring(0, json.length() - 1) + "," + TestPings.quote(field) + ":" + value + "}";
  }

  @Test
  void pingsDecodeToTheSamePingsTheClientBuilt() throws Exception {
    Ping full = ping("p-1").metric("latency_ms", 412.5).metric("results", 3).dimension("lang", "go")
        .payload("{\"q\":\"repo:x\"}").build();
    Ping minimal = ping("p-2").version("").deployType("").build();

    DecodedBatch decoded = decode(TestPings.jsonBody(full, minimal));

    assertThat(decoded.valid()).containsExactly(full, minimal);
    assertThat(decoded.rejected()).isEmpty();
  }

  @Test
  void validPingsAreKeptWithTheirIndicesAndInvalidOnesAreRefused() throws Exception {
    byte[] body = TestPings.jsonBody(ping("p-0").build(), ping("p-1").event("Bad").build(), ping("p-2").build(),
        TestPings.ping("inst-1", "").at(T0).build(), ping("p-4").at(T0.minus(Duration.ofDays(31))).build());

    DecodedBatch decoded = decode(body);

    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-0", "p-2");
    assertThat(decoded.validIndex(0)).isZero();
    assertThat(decoded.validIndex(1)).isEqualTo(2);
    assertThat(decoded.rejected()).containsExactly(new Rejected(1, "p-1", Reason.INVALID_EVENT),
        new Rejected(3, "", Reason.MISSING_PING_ID), new Rejected(4, "p-4", Reason.TIMESTAMP_TOO_OLD));
    assertThat(decoded.total()).isEqualTo(5);
  }

  @Test
  void tooLongPingIdIsRefusedWithoutBeingEchoed() throws Exception {
    DecodedBatch decoded = decode(TestPings.jsonBody(ping("p".repeat(65)).build()));

    assertThat(decoded.rejected()).containsExactly(new Rejected(0, "", Reason.PING_ID_TOO_LONG));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ping_id     | 17                        | invalid_ping_id",
      "instance_id | true                      | invalid_instance_id",
      "timestamp   | 1795255200000             | invalid_timestamp",
      "timestamp   | \"yesterday\"             | invalid_timestamp",
      "timestamp   | \"2026-11-21T10:00:00\"   | invalid_timestamp",
      "event       | [\"search\"]              | invalid_event",
      "version     | 5.3                       | invalid_version",
      "deploy_type | {}                        | invalid_deploy_type",
      "metrics     | [1, 2]                    | invalid_metrics",
      "metrics     | {\"latency_ms\": \"12\"}  | invalid_metric_value",
      "dimensions  | \"lang=go\"               | invalid_dimensions",
      "dimensions  | {\"lang\": 1}             | invalid_dimension_value",
      "payload     | \"{}\"                    | invalid_payload",
      "payload     | [{}]                      | invalid_payload"})
  void fieldOfTheWrongTypeRefusesOnlyThatPing(String field, String value, String reason) throws Exception {
    String bad = withField(ping("p-0").build(), field, value);
    DecodedBatch decoded = decode("{\"pings\":[" + bad + "," + ping("p-1").json() + "]}");

    assertThat(decoded.rejected()).extracting(r -> r.reason().code()).containsExactly(reason);
    assertThat(decoded.rejected().get(0).index()).isZero();
    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-1");
    assertThat(decoded.validIndex(0)).isEqualTo(1);
  }

  @Test
  void elementThatIsNotAnObjectIsRefusedAsMalformed() throws Exception {
    DecodedBatch decoded = decode("{\"pings\":[1, [\"x\"], " + ping("p-2").json() + ", null]}");

    assertThat(decoded.rejected()).containsExactly(new Rejected(0, "", Reason.MALFORMED_PING),
        new Rejected(1, "", Reason.MALFORMED_PING), new Rejected(3, "", Reason.MALFORMED_PING));
    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-2");
  }

  @Test
  void nullFieldCountsAsAbsent() throws Exception {
    Ping ping = ping("p-1").version("").build();
    DecodedBatch decoded = decode("{\"pings\":[" + withField(ping, "version", "null") + "]}");

    assertThat(decoded.valid()).containsExactly(ping);
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    Ping ping = ping("p-1").build();
    String json = withField(ping, "sampling", "{\"rate\": [0.5, {\"x\": null}]}");

    DecodedBatch decoded = decode("{\"client\":\"sdk/1.2\",\"pings\":[" + json + "],\"extra\":[1,2]}");

    assertThat(decoded.valid()).containsExactly(ping);
  }

  @Test
  void rfc3339TimestampWithOffsetAndFractionIsConvertedToUtc() throws Exception {
    String json = withField(ping("p-1").build(), "timestamp", "\"2026-11-21T11:00:00.123+01:00\"");

    Ping decoded = decode("{\"pings\":[" + json + "]}").valid().get(0);

    assertThat(decoded.getTimestamp().getSeconds()).isEqualTo(T0.getEpochSecond());
    assertThat(decoded.getTimestamp().getNanos()).isEqualTo(123_000_000);
  }

  @Test
  void payloadIsStoredVerbatimByteForByte() throws Exception {
    String payload = "{ \"q\" :\t\"caf\u00e9 \\u00e9 \uD83D\uDE00\",\n  \"z\": 1.50, \"a\": [ ] }";
    DecodedBatch decoded = decode(TestPings.jsonBody(ping("p-1").payload(payload).build()));

    assertThat(utf8(decoded.valid().get(0).getPayload())).isEqualTo(utf8(payload));
  }

  @Test
  void payloadIsFoundInABodyThatStartsInsideALargerBuffer() throws Exception {
    String payload = "{\"\u00e9\u00e9\": \"x\"}";
    byte[] body = TestPings.jsonBody(ping("p-1").payload(payload).build());
    byte[] buffer = new byte[body.length + 20];
    System.arraycopy(body, 0, buffer, 7, body.length);

    DecodedBatch decoded = JsonPings.decodeJson(buffer, 7, body.length, RULES, NOW, 100);

    assertThat(decoded.valid()).extracting(Ping::getPayload).containsExactly(payload);
  }

  @Test
  void payloadOfExactly64KibIsAcceptedAndOneByteMoreIsTooLarge() throws Exception {
    String fits = PingRulesTest.payloadOfBytes(64 * 1024, "\u00e9");
    String tooLarge = PingRulesTest.payloadOfBytes(64 * 1024 + 1, "\u00e9");

    DecodedBatch decoded = decode(TestPings.jsonBody(ping("p-0").payload(fits).build(),
        ping("p-1").payload(tooLarge).build()));

    assertThat(decoded.valid()).extracting(Ping::getPayload).containsExactly(fits);
    assertThat(decoded.rejected()).containsExactly(new Rejected(1, "p-1", Reason.PAYLOAD_TOO_LARGE));
  }

  @Test
  void payloadOfAUtf16BodyIsRefusedBecauseItCannotBeKeptVerbatim() throws Exception {
    String json = "{\"pings\":[" + ping("p-0").payload("{\"a\":1}").json() + "," + ping("p-1").json() + "]}";

    DecodedBatch decoded = decode(json.getBytes(StandardCharsets.UTF_16BE));

    assertThat(decoded.rejected()).containsExactly(new Rejected(0, "p-0", Reason.MALFORMED_PING));
    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-1");
  }

  @Test
  void batchMayHoldExactlyTheLimitButNotOneMore() throws Exception {
    byte[] three = TestPings.jsonBody(ping("p-0").build(), ping("p-1").build(), ping("p-2").build());

    assertThat(decode(three, 3).valid()).hasSize(3);
    assertThatThrownBy(() -> decode(three, 2)).isInstanceOf(TooManyPingsException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "   ",
      "[{\"ping_id\":\"s3cr3t\"}]",
      "\"s3cr3t\"",
      "{\"note\":\"s3cr3t\"}",
      "{\"pings\":{\"ping_id\":\"s3cr3t\"}}",
      "{\"pings\":null,\"note\":\"s3cr3t\"}",
      "{\"pings\":[{\"ping_id\":\"s3cr3t\",\"ping_id\":\"p-2\"}]}",
      "{\"pings\":[],\"pings\":[],\"note\":\"s3cr3t\"}",
      "{\"pings\":[{\"ping_id\":\"s3cr3t\",\"payload\":{\"a\":1,\"a\":2}}]}",
      "{\"pings\":[{\"ping_id\":\"s3cr3t\",\"metrics\":{\"x\":NaN}}]}",
      "{\"pings\":[{\"ping_id\":\"s3cr3t\"",
      "{\"pings\":[{\"ping_id\":\"s3cr3t\"}]",
      "{\"pings\":[{\"ping_id\":\"s3cr3t\"}]} {}",
      "{\"pings\":[{\"ping_id\":\"s3cr3t\"}]}]",
      "{\"pings\":[{'ping_id':'s3cr3t'}]}",
      "{\"pings\":[{\"ping_id\":s3cr3t}]}"})
  void bodyThatIsNotAPingsObjectIsMalformedAndTheMessageDoesNotEchoIt(String body) {
    assertThatThrownBy(() -> decode(body)).isInstanceOf(MalformedBodyException.class)
        .message().doesNotContain("s3cr3t");
  }

  @Test
  void thousandNestedArraysMakeTheBodyMalformed() {
    String deep = "[".repeat(1000) + "]".repeat(1000);
    String body = "{\"pings\":[" + withField(ping("p-1").build(), "nested", deep) + "]}";

    assertThatThrownBy(() -> decode(body)).isInstanceOf(MalformedBodyException.class)
        .message().doesNotContain("[[");
  }

  @Test
  void numberOf200DigitsMakesTheBodyMalformed() {
    String digits = "9".repeat(200);
    String body = "{\"pings\":[" + withField(ping("p-1").build(), "metrics", "{\"x\":" + digits + "}") + "]}";

    assertThatThrownBy(() -> decode(body)).isInstanceOf(MalformedBodyException.class)
        .message().doesNotContain("99999");
  }
}
