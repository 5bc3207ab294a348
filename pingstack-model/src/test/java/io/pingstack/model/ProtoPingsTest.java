package io.pingstack.model;

import static io.pingstack.model.JsonPingsTest.ping;
import static io.pingstack.model.TestPings.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.pingstack.model.DecodedBatch.Rejected;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code application/x-protobuf} bodies: a {@code PingBatch}. */
class ProtoPingsTest {
  private static final long NOW = T0.toEpochMilli();
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  private static DecodedBatch decode(byte[] body, int maxPings) throws Exception {
    return ProtoPings.decode(body, 0, body.length, RULES, NOW, maxPings);
  }

  private static UnknownFieldSet.Field bytesField(ByteString value) {
    return UnknownFieldSet.Field.newBuilder().addLengthDelimited(value).build();
  }

  private static UnknownFieldSet.Field varintField(long value) {
    return UnknownFieldSet.Field.newBuilder().addVarint(value).build();
  }

  static Stream<Ping> everyShapeOfPing() {
    String wide = "\u00e9t\u00e9-\u65e5\u672c-\ud83d\ude00-" + "x".repeat(200); // 2-, 3- and 4-byte UTF-8, a 2-byte length
    return Stream.of(
        Ping.getDefaultInstance(),
        ping("p-1").build(),
        ping("p-2").version("").deployType("").build(),
        ping(wide).metric("latency_ms", 412.5).metric("zero", 0.0).metric("neg", -1e300).dimension("lang", "go")
            .dimension("", "").dimension(wide, wide).payload("{\"q\":\"" + wide + "\"}").build(),
        ping("p-4").at(java.time.Instant.EPOCH).build(),
        Ping.newBuilder().setPayload("x".repeat(70_000)).putMetrics("m", 1).build());
  }

  @ParameterizedTest
  @MethodSource("everyShapeOfPing")
  void theEncodedSizeIsWhatProtobufComputes(Ping ping) {
    assertThat(ProtoPings.encodedSize(ping)).isEqualTo(ping.getSerializedSize()).isEqualTo(ping.toByteArray().length);
  }

  @Test
  void theEncodedSizeKnowsEveryFieldOfPing() {
    // A new field must be sized in ProtoPings.encodedSize (else every ping carrying it is re-encoded) and added above.
    assertThat(Ping.getDescriptor().getFields()).extracting(f -> f.getName()).containsExactly("ping_id", "instance_id",
        "timestamp", "event", "version", "deploy_type", "metrics", "dimensions", "payload");
  }

  @Test
  void pingsDecodeToTheSamePingsTheClientBuilt() throws Exception {
    Ping full = ping("p-1").metric("latency_ms", 412.5).dimension("lang", "go").payload("{\"q\":1}").build();
    Ping minimal = ping("p-2").version("").deployType("").build();

    assertThat(decode(TestPings.protoBody(full, minimal), 100).valid()).containsExactly(full, minimal);
  }

  @Test
  void validPingsAreKeptWithTheirIndicesAndInvalidOnesAreRefused() throws Exception {
    byte[] body = TestPings.protoBody(ping("p-0").metric("x", Double.NaN).build(), ping("p-1").build(),
        ping("p-2").payload("[]").build(), ping("p-3").build());

    DecodedBatch decoded = decode(body, 100);

    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("p-1", "p-3");
    assertThat(decoded.validIndex(0)).isEqualTo(1);
    assertThat(decoded.validIndex(1)).isEqualTo(3);
    assertThat(decoded.rejected()).containsExactly(new Rejected(0, "p-0", Reason.INVALID_METRIC_VALUE),
        new Rejected(2, "p-2", Reason.INVALID_PAYLOAD));
  }

  @Test
  void unknownFieldsAreIgnoredAndNotKeptInTheDecodedPing() throws Exception {
    Ping clean = ping("p-1").metric("x", 2.5).build();
    UnknownFieldSet future = UnknownFieldSet.newBuilder().addField(100, varintField(7))
        .addField(101, bytesField(ByteString.copyFromUtf8("from a newer client"))).build();
    Ping.Builder sent = ping("p-1").build().toBuilder().setUnknownFields(future);
    sent.getTimestampBuilder().setUnknownFields(future);
    ByteString metricEntryWithUnknownField = UnknownFieldSet.newBuilder()
        .addField(1, bytesField(ByteString.copyFromUtf8("x")))
        .addField(2, UnknownFieldSet.Field.newBuilder().addFixed64(Double.doubleToRawLongBits(2.5)).build())
        .addField(3, varintField(9)).build().toByteString();
    ByteString sentPing = sent.build().toByteString()
        .concat(UnknownFieldSet.newBuilder().addField(7, bytesField(metricEntryWithUnknownField)).build().toByteString());
    byte[] body = UnknownFieldSet.newBuilder().addField(1, bytesField(sentPing)).addField(99, varintField(1)).build()
        .toByteArray();

    DecodedBatch batch = decode(body, 100);
    Ping decoded = batch.valid().get(0);

    assertThat(decoded).isEqualTo(clean);
    assertThat(decoded.toByteArray()).isEqualTo(clean.toByteArray());
    assertThat(batch.encodeRecord(HEADER, null)).isEqualTo(HEADER.toBuilder().addPings(clean).build().toByteArray());
  }

  private static final WalRecord HEADER =
      WalRecord.newBuilder().setReceivedAtMicros(NOW * 1000).setIngestNode("node-1").setPrincipal("anonymous").build();

  @Test
  void walRecordHoldsTheValidPingsAsSentWithoutReencoding() throws Exception {
    Ping a = ping("p-0").metric("latency_ms", 412.5).dimension("lang", "go").payload("{\"q\":1}").build();
    Ping invalid = ping("p-1").metric("x", Double.NaN).build();
    Ping b = ping("p-2").build();
    DecodedBatch batch = decode(TestPings.protoBody(a, invalid, b), 100);

    assertThat(WalRecord.parseFrom(batch.encodeRecord(HEADER, null)))
        .isEqualTo(HEADER.toBuilder().addPings(a).addPings(b).build());
    assertThat(WalRecord.parseFrom(batch.encodeRecord(HEADER, new boolean[] {false, true})))
        .isEqualTo(HEADER.toBuilder().addPings(b).build());
  }

  @Test
  void pingWhoseBytesHoldMoreThanItsFieldsIsReencodedForTheLog() throws Exception {
    Ping ping = ping("p-0").version("5.3.0").build();
    // The version field twice: parsing keeps the last, the bytes hold both.
    ByteString sent = Ping.newBuilder().setVersion("0.0.1").build().toByteString().concat(ping.toByteString());
    byte[] body = UnknownFieldSet.newBuilder().addField(1, bytesField(sent)).build().toByteArray();

    byte[] record = decode(body, 100).encodeRecord(HEADER, null);

    assertThat(record).isEqualTo(HEADER.toBuilder().addPings(ping).build().toByteArray());
  }

  @Test
  void batchMayHoldExactlyTheLimitButNotOneMore() throws Exception {
    byte[] three = TestPings.protoBody(ping("p-0").build(), ping("p-1").build(), ping("p-2").build());

    assertThat(decode(three, 3).valid()).hasSize(3);
    assertThatThrownBy(() -> decode(three, 2)).isInstanceOf(TooManyPingsException.class);
  }

  static Stream<byte[]> malformedBodies() {
    byte[] valid = TestPings.protoBody(ping("s3cr3t").build());
    ByteString invalidUtf8 = ByteString.copyFromUtf8("s3cr3t").concat(ByteString.copyFrom(new byte[] {(byte) 0xC3, 0x28}));
    byte[] nestedGroups = new byte[200];
    Arrays.fill(nestedGroups, 0, 100, (byte) 0x13); // start group, field 2
    Arrays.fill(nestedGroups, 100, 200, (byte) 0x14); // end group, field 2
    return Stream.of(
        new byte[] {(byte) 0xFF},
        new byte[] {0x00},
        new byte[] {0x0F},
        new byte[] {0x0A, 0x05, 0x01},
        Arrays.copyOf(valid, valid.length - 1),
        UnknownFieldSet.newBuilder()
            .addField(1, bytesField(UnknownFieldSet.newBuilder().addField(1, bytesField(invalidUtf8)).build().toByteString()))
            .build().toByteArray(),
        nestedGroups);
  }

  @ParameterizedTest
  @MethodSource("malformedBodies")
  void bytesThatAreNotAPingBatchAreMalformedAndTheMessageDoesNotEchoThem(byte[] body) {
    assertThatThrownBy(() -> decode(body, 100)).isInstanceOf(MalformedBodyException.class)
        .message().doesNotContain("s3cr3t");
  }
}
