package io.pingstack.model;

import static io.pingstack.model.JsonPingsTest.ping;
import static io.pingstack.model.TestPings.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PingScan} may only shortcut parsing: a ping it passes must be one parsing finds valid and
 * would log as sent. Pings are generated around every rule's limits, then some of their encodings
 * reshaped (a field twice, a map key twice, a padded length, an empty field, a reordered entry), and
 * each body decoded through {@link ProtoPings} must give what parsing every ping gives.
 */
class PingScanTest {
  private static final long NOW = T0.toEpochMilli();
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);
  private static final WalRecord HEADER =
      WalRecord.newBuilder().setReceivedAtMicros(NOW * 1000).setIngestNode("node-1").setPrincipal("anonymous").build();

  private static final String[] PING_IDS = {"", "p-1", "x".repeat(64), "x".repeat(65), "\u00e9".repeat(64),
      "\u00e9".repeat(65), "\ud83d\ude00".repeat(32), "\ud83d\ude00".repeat(33), "a\u0000b"};
  private static final String[] INSTANCE_IDS = {"", "inst-1", "i".repeat(128), "i".repeat(129), "\u65e5".repeat(128),
      "\u65e5".repeat(129), "i\u0000"};
  private static final String[] EVENTS = {"", "search.executed", "a".repeat(128), "a".repeat(129), "Search", "9lives",
      "caf\u00e9", "a b", "a_b-c.d0"};
  private static final String[] VERSIONS = {"", "5.3.0", "v".repeat(64), "v".repeat(65), "\u00e9".repeat(64),
      "\u00e9".repeat(65)};
  private static final String[] METRIC_NAMES = {"", "latency_ms", "m", "Bad", "a".repeat(128), "a".repeat(129),
      "caf\u00e9"};
  private static final double[] METRIC_VALUES = {0.0, -0.0, 412.5, -1e300, Double.NaN, Double.POSITIVE_INFINITY,
      Double.MIN_VALUE};
  private static final String[] DIMENSION_KEYS = {"", "lang", "k".repeat(128), "k".repeat(129), "\u00e9".repeat(128),
      "\u00e9".repeat(129), "k\u0000"};
  private static final String[] DIMENSION_VALUES = {"", "go", "v".repeat(256), "v".repeat(257), "\u00e9".repeat(256),
      "\u00e9".repeat(257), "v\u0000"};
  private static final String[] PAYLOADS = {"", "{}", "{\"a\":1}", "[]", " {}", "{", "{\"q\":\"\u00e9\ud83d\ude00\"}",
      "{\"a\":\"\u0000\"}", "{\"a\":1}x", "\ufeff{}", "\t{}", "{}\n", "{\"a\":\"" + "x".repeat(65_528) + "\"}", "{\"a\":\"" + "x".repeat(65_529) + "\"}"};

  @Test
  void everyPingTheScanPassesIsOneParsingFindsValidAndLogsAsSent() throws Exception {
    Random random = new Random(42);
    int scanned = 0;
    int refused = 0;
    for (int n = 0; n < 20_000; n++) {
      Ping ping = randomPing(random);
      byte[] bytes = ping.toByteArray();
      boolean reshaped = random.nextInt(3) == 0;
      if (reshaped) {
        bytes = reshape(ping, bytes, random);
      }
      boolean passed = new PingScan(RULES, NOW).validAsSent(bytes, 0, bytes.length);
      assertThat(passed && reshaped).as("reshaped bytes passed").isFalse();
      refused += RULES.check(Ping.parseFrom(bytes), NOW) == null ? 0 : 1;
      if (passed) {
        Ping parsed = Ping.parseFrom(bytes);
        assertThat(RULES.check(parsed, NOW)).as("%s", parsed).isNull();
        assertThat(parsed.toByteArray()).as("%s", parsed).isEqualTo(bytes);
        scanned++;
      }
      assertDecodesAsParsingDoes(bytes);
    }
    // The generator reaches both sides of every check often enough for the assertions above to mean something.
    assertThat(scanned).isGreaterThan(2_000);
    assertThat(refused).isGreaterThan(2_000);
  }

  @Test
  void pingsAsClientsEncodeThemAreScannedAndTheirIdsFound() {
    Ping full = ping("p-\u00e9").metric("latency_ms", 412.5).metric("zero", 0.0).dimension("lang", "\u65e5\u672c")
        .dimension("empty", "").payload("{\"q\":\"\ud83d\ude00\"}").build();
    Ping minimal = ping("p-2").version("").deployType("").build();
    Ping atEveryLimit = Ping.newBuilder().setPingId("\ud83d\ude00".repeat(32)).setInstanceId("\u65e5".repeat(128))
        .setTimestamp(full.getTimestamp()).setEvent("a".repeat(128)).setVersion("\u00e9".repeat(64))
        .setDeployType("d".repeat(64)).putDimensions("\u00e9".repeat(128), "\u00e9".repeat(256))
        .putMetrics("m".repeat(128), -Double.MAX_VALUE).setPayload("{\"a\":\"" + "x".repeat(65_528) + "\"}").build();
    for (Ping ping : List.of(full, minimal, atEveryLimit)) {
      byte[] body = new byte[3];
      body = concat(body, ping.toByteArray());
      PingScan scan = new PingScan(RULES, NOW);

      assertThat(scan.validAsSent(body, 3, body.length - 3)).isTrue();
      assertThat(ByteString.copyFrom(body, scan.instanceIdOffset, scan.instanceIdLength).toStringUtf8())
          .isEqualTo(ping.getInstanceId());
      assertThat(ByteString.copyFrom(body, scan.pingIdOffset, scan.pingIdLength).toStringUtf8()).isEqualTo(ping.getPingId());
    }
  }

  @Test
  void theTimeRulesAreThoseOfParsedPingsAtTheirEdges() {
    long maxAge = PingRules.DEFAULT_MAX_AGE.toMillis();
    long maxFuture = PingRules.MAX_FUTURE.toMillis();
    for (long offset : new long[] {-maxAge - 1, -maxAge, 0, maxFuture, maxFuture + 1}) {
      long at = NOW + offset;
      Ping ping = ping("p-1").build().toBuilder()
          .setTimestamp(Timestamp.newBuilder().setSeconds(Math.floorDiv(at, 1000)).setNanos((int) Math.floorMod(at, 1000) * 1_000_000))
          .build();
      byte[] bytes = ping.toByteArray();

      assertThat(new PingScan(RULES, NOW).validAsSent(bytes, 0, bytes.length)).as("offset %d ms", offset)
          .isEqualTo(RULES.check(ping, NOW) == null);
    }
  }

  @Test
  void textLengthCountsWhatJavaCountsAndRefusesWhatParsingJudges() {
    for (String text : new String[] {"", "ascii", "\u00e9t\u00e9", "\u65e5\u672c", "\ud83d\ude00x", "mixed \u00e9 \ud83d\ude00"}) {
      byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(PingScan.textLength(utf8, 0, utf8.length)).as(text).isEqualTo(text.length());
    }
    assertThat(PingScan.textLength(new byte[] {'a', 0, 'b'}, 0, 3)).isEqualTo(-1);
    assertThat(PingScan.textLength(new byte[] {'a', (byte) 0xC3, 0x28}, 0, 3)).isEqualTo(-1);
    assertThat(PingScan.textLength(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, 3)).isEqualTo(-1); // a lone surrogate
  }

  @Test
  void textLengthFindsANulOrNonAsciiByteWhereverItIsInTheEightByteSteps() {
    byte[][] odd = {{0}, {(byte) 0xC3, (byte) 0xA9}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}, {(byte) 0xC3}, {(byte) 0x80}};
    for (int length = 0; length <= 40; length++) {
      for (int at = 0; at <= length; at++) {
        for (byte[] inserted : odd) {
          byte[] text = new byte[3 + length + inserted.length + 2];
          Arrays.fill(text, (byte) 'a');
          text[2 + length % 3] = 1; // the lowest ASCII byte, next to the step's borrow
          System.arraycopy(inserted, 0, text, 3 + at, inserted.length);
          int size = length + inserted.length;
          assertThat(PingScan.textLength(text, 3, size)).as("%d bytes, %s at %d", size, Arrays.toString(inserted), at)
              .isEqualTo(referenceTextLength(text, 3, size));
        }
      }
      byte[] ascii = new byte[length];
      Arrays.fill(ascii, (byte) 0x7F);
      assertThat(PingScan.textLength(ascii, 0, length)).isEqualTo(length);
    }
  }

  /** What {@code textLength} must answer, from a String: -1 for a NUL or text parsing refuses. */
  private static int referenceTextLength(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (bytes[i] == 0) {
        return -1;
      }
    }
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes, offset, length)).length();
    } catch (java.nio.charset.CharacterCodingException e) {
      return -1;
    }
  }

  /** Decoding a body of this one ping gives what validating the parsed ping gives, and a WAL record of the same pings. */
  private static void assertDecodesAsParsingDoes(byte[] pingBytes) throws Exception {
    byte[] body = concat(new byte[] {0x0A}, varint(pingBytes.length), pingBytes);
    Ping parsed;
    try {
      parsed = Ping.parseFrom(pingBytes);
    } catch (InvalidProtocolBufferException e) {
      return; // generated text is valid UTF-8, so every generated ping parses
    }
    DecodedBatch expected = DecodedBatch.validate(List.of(parsed), RULES, NOW);

    DecodedBatch decoded = ProtoPings.decode(body, 0, body.length, RULES, NOW, 10);

    assertThat(decoded.rejected()).isEqualTo(expected.rejected());
    assertThat(decoded.validCount()).isEqualTo(expected.validCount());
    if (decoded.validCount() > 0) {
      // Bytes may differ (a parsed ping whose bytes hold no more than its fields is logged as sent), pings may not.
      assertThat(WalRecord.parseFrom(decoded.encodeRecord(HEADER, null)))
          .isEqualTo(WalRecord.parseFrom(expected.encodeRecord(HEADER, null)));
      List<String> ids = new ArrayList<>();
      decoded.visitIds((i, instance, io, il, pingId, po, pl) ->
          ids.add(new String(instance, io, il, java.nio.charset.StandardCharsets.UTF_8) + "/"
              + new String(pingId, po, pl, java.nio.charset.StandardCharsets.UTF_8)));
      assertThat(ids).containsExactly(parsed.getInstanceId() + "/" + parsed.getPingId());
      assertThat(decoded.valid()).containsExactly(parsed);
    }
  }

  private static Ping randomPing(Random random) {
    Ping.Builder ping = Ping.newBuilder()
        .setPingId(pick(random, PING_IDS, "p-1"))
        .setInstanceId(pick(random, INSTANCE_IDS, "inst-1"))
        .setEvent(pick(random, EVENTS, "search.executed"))
        .setVersion(pick(random, VERSIONS, "5.3.0"))
        .setDeployType(pick(random, VERSIONS, ""))
        .setPayload(pick(random, PAYLOADS, ""));
    if (random.nextInt(20) > 0) {
      long offset = random.nextInt(10) > 0 ? -random.nextInt(1_000_000)
          : (random.nextBoolean() ? -1 : 1) * (long) (random.nextDouble() * Duration.ofDays(40).toMillis());
      long at = NOW + offset;
      int nanos = random.nextInt(10) > 0 ? (int) Math.floorMod(at, 1000) * 1_000_000 + random.nextInt(1_000_000)
          : random.nextBoolean() ? -1 : 1_000_000_000;
      ping.setTimestamp(Timestamp.newBuilder().setSeconds(Math.floorDiv(at, 1000)).setNanos(nanos));
    }
    int metrics = random.nextInt(40) == 0 ? PingRules.MAX_METRICS + random.nextInt(2) : random.nextInt(4);
    for (int i = 0; i < metrics; i++) {
      String name = random.nextInt(4) == 0 ? pick(random, METRIC_NAMES, "m") : "m" + i;
      ping.putMetrics(name, random.nextInt(4) == 0 ? METRIC_VALUES[random.nextInt(METRIC_VALUES.length)] : random.nextGaussian());
    }
    int dimensions = random.nextInt(40) == 0 ? PingRules.MAX_DIMENSIONS + random.nextInt(2) : random.nextInt(3);
    for (int i = 0; i < dimensions; i++) {
      String key = random.nextInt(4) == 0 ? pick(random, DIMENSION_KEYS, "k") : "k" + i;
      ping.putDimensions(key, pick(random, DIMENSION_VALUES, "v" + i));
    }
    return ping.build();
  }

  /** Mostly {@code usual}; now and then one of {@code values}, which are the rules' edges. */
  private static String pick(Random random, String[] values, String usual) {
    return random.nextInt(3) == 0 ? values[random.nextInt(values.length)] : usual;
  }

  /** The same ping (or, for a repeated field, the ping parsing keeps) in bytes that are not protobuf's own encoding of it. */
  private static byte[] reshape(Ping ping, byte[] bytes, Random random) throws IOException {
    switch (random.nextInt(6)) {
      case 0: { // a field sent twice: parsing keeps the last
        Ping withVersion = ping.toBuilder().setVersion(ping.getVersion().isEmpty() ? "5.3.0" : ping.getVersion()).build();
        return concat(Ping.newBuilder().setVersion("0.0.1").build().toByteArray(), withVersion.toByteArray());
      }
      case 1: { // a metric name twice: the map keeps the last value
        byte[] entry = TestPings.encoded(out -> {
          out.writeString(1, "latency_ms");
          out.writeDouble(2, 1.0);
        });
        return concat(bytes, field(Ping.METRICS_FIELD_NUMBER, entry), field(Ping.METRICS_FIELD_NUMBER, entry));
      }
      case 2: { // a dimension with its value before its key
        byte[] entry = TestPings.encoded(out -> {
          out.writeString(2, "go");
          out.writeString(1, "lang");
        });
        return concat(bytes, field(Ping.DIMENSIONS_FIELD_NUMBER, entry));
      }
      case 3: // an empty string field, which protobuf leaves out
        return concat(bytes, new byte[] {(byte) (Ping.DEPLOY_TYPE_FIELD_NUMBER << 3 | 2), 0});
      case 4: { // a length in a padded varint
        byte[] text = "5.3.1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return concat(bytes, new byte[] {(byte) (Ping.VERSION_FIELD_NUMBER << 3 | 2), (byte) (0x80 | text.length), 0}, text);
      }
      default: { // its timestamp with an explicit zero, which protobuf leaves out
        byte[] timestamp = TestPings.encoded(out -> {
          out.writeInt64(1, ping.getTimestamp().getSeconds());
          out.writeUInt32NoTag(2 << 3);
          out.writeUInt32NoTag(0);
        });
        return concat(ping.toBuilder().clearTimestamp().build().toByteArray(), field(Ping.TIMESTAMP_FIELD_NUMBER, timestamp));
      }
    }
  }

  private static byte[] field(int number, byte[] value) {
    return concat(new byte[] {(byte) (number << 3 | 2)}, varint(value.length), value);
  }

  private static byte[] varint(int value) {
    byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(value)];
    try {
      CodedOutputStream.newInstance(out).writeUInt32NoTag(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
