package io.pingstack.model;

import static io.pingstack.model.JsonPingsTest.ping;
import static io.pingstack.model.JsonPingsTest.withField;
import static io.pingstack.model.TestPings.T0;
import static io.pingstack.model.TestPings.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.DecodedBatch.Rejected;
import io.pingstack.model.proto.Ping;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code application/x-ndjson} bodies: one ping object per line. */
class NdjsonPingsTest {
  private static final long NOW = T0.toEpochMilli();
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  private static DecodedBatch decode(byte[] body, int maxPings) throws Exception {
    return JsonPings.decodeNdjson(body, 0, body.length, RULES, NOW, maxPings);
  }

  private static DecodedBatch decode(String body) throws Exception {
    return decode(utf8(body), 100);
  }

  @Test
  void pingsDecodeToTheSamePingsTheClientBuilt() throws Exception {
    Ping first = ping("p-1").metric("latency_ms", 412.5).dimension("lang", "go").build();
    Ping second = ping("p-2").payload("{\"q\":1}").build();

    DecodedBatch decoded = decode(TestPings.ndjsonBody(first, second), 100);

    assertThat(decoded.valid()).containsExactly(first, second);
    assertThat(decoded.rejected()).isEmpty();
  }

  @Test
  void blankLinesAreSkippedCrlfIsAcceptedAndAMalformedLineRefusesOnlyItsPing() throws Exception {
    String body = ping("p-0").json() + "\r\n"
        + "\r\n"
        + "   \t\n"
        + "{\"ping_id\":\"p-1\",\r\n"
        + ping("p-2").json() + "\r\n"
        + "\n";

    DecodedBatch decoded = decode(body);

    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-0", "p-2");
    assertThat(decoded.validIndex(0)).isZero();
    assertThat(decoded.validIndex(1)).isEqualTo(2);
    assertThat(decoded.rejected()).containsExactly(new Rejected(1, "", Reason.MALFORMED_PING));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "[1]",
      "42",
      "\"ping\"",
      "{\"ping_id\":\"p-1\"} {}",
      "{\"ping_id\":\"p-1\"},",
      "{\"ping_id\":\"p-1\",\"ping_id\":\"p-2\"}",
      "{\"ping_id\":\"p-1\",\"metrics\":{\"x\":NaN}}",
      "{\"ping_id\":\"p-1\",\"metrics\":{\"x\":99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999}}"})
  void lineThatIsNotOneWellFormedObjectIsRefusedAsMalformed(String line) throws Exception {
    DecodedBatch decoded = decode(ping("p-0").json() + "\n" + line + "\n" + ping("p-2").json());

    assertThat(decoded.rejected()).containsExactly(new Rejected(1, "", Reason.MALFORMED_PING));
    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-0", "p-2");
  }

  @ParameterizedTest
  @ValueSource(strings = {",", " {}", " ]", " x"})
  void validPingFollowedByMoreOnItsLineIsRefusedOnceAsMalformed(String trailing) throws Exception {
    DecodedBatch decoded = decode(ping("p-0").json() + trailing + "\n" + ping("p-1").json());

    assertThat(decoded.rejected()).containsExactly(new Rejected(0, "", Reason.MALFORMED_PING));
    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-1");
    assertThat(decoded.total()).isEqualTo(2);
  }

  @Test
  void thousandNestedArraysRefuseOnlyThatLine() throws Exception {
    String deep = "[".repeat(1000) + "]".repeat(1000);

    DecodedBatch decoded = decode(withField(ping("p-0").build(), "nested", deep) + "\n" + ping("p-1").json());

    assertThat(decoded.rejected()).containsExactly(new Rejected(0, "", Reason.MALFORMED_PING));
    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-1");
  }

  @Test
  void fieldOfTheWrongTypeGivesItsOwnReason() throws Exception {
    DecodedBatch decoded = decode(withField(ping("p-0").build(), "metrics", "[1]"));

    assertThat(decoded.rejected()).containsExactly(new Rejected(0, "p-0", Reason.INVALID_METRICS));
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    Ping ping = ping("p-1").build();

    DecodedBatch decoded = decode(withField(ping, "sampling", "{\"rate\":[0.5]}"));

    assertThat(decoded.valid()).containsExactly(ping);
  }

  @Test
  void payloadOfEveryLineIsStoredVerbatimByteForByte() throws Exception {
    String[] payloads = {
        "{\"a\": \"\u00e9t\u00e9\"}",
        "{ \"b\" :\t[1, 2.50, \"\\u00e9\"],  \"c\": \"\uD83D\uDE00\" }",
        "{\"d\":{}}"};
    String body = ping("p-0").dimension("note", "\u00fcml\u00e4\u00fcts \uD83D\uDE00").payload(payloads[0]).json() + "\r\n"
        + "\n"
        + "  " + ping("p-1").payload(payloads[1]).json() + "\n"
        + ping("p-2").payload(payloads[2]).json();

    DecodedBatch decoded = decode(body);

    assertThat(decoded.valid()).extracting(Ping::getPayload).containsExactly(payloads);
  }

  @Test
  void payloadOfAUtf16LineIsRefusedBecauseItCannotBeKeptVerbatim() throws Exception {
    byte[] body = ping("p-0").payload("{\"a\":1}").json().getBytes(StandardCharsets.UTF_16LE);

    assertThat(decode(body, 10).rejected()).containsExactly(new Rejected(0, "p-0", Reason.MALFORMED_PING));
  }

  @Test
  void batchMayHoldExactlyTheLimitButNotOneMoreAndBlankLinesDoNotCount() throws Exception {
    byte[] two = utf8(ping("p-0").json() + "\n\n\r\n" + ping("p-1").json() + "\n\n");
    byte[] three = TestPings.ndjsonBody(ping("p-0").build(), ping("p-1").build(), ping("p-2").build());

    assertThat(decode(two, 2).valid()).hasSize(2);
    assertThatThrownBy(() -> decode(three, 2)).isInstanceOf(TooManyPingsException.class);
  }
}
