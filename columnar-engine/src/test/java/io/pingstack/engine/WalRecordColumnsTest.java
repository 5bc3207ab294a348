package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.TestPings;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalReader;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WalRecordColumnsTest {
  @Test
  void rowsEqualWhatProtobufParsesEvenFromNonCanonicalBytes() throws IOException {
    byte[] odd = TestPings.encoded(out -> {
      out.writeString(Ping.EVENT_FIELD_NUMBER, "search.executed");
      out.writeString(Ping.PING_ID_FIELD_NUMBER, "first-id");
      out.writeUInt64(15, 99); // unknown field
      out.writeBytes(Ping.TIMESTAMP_FIELD_NUMBER, com.google.protobuf.ByteString.copyFrom(TestPings.encoded(t -> t.writeInt64(1, 1_700_000_000L))));
      out.writeString(Ping.INSTANCE_ID_FIELD_NUMBER, "inst-ü");
      out.writeBytes(Ping.METRICS_FIELD_NUMBER, entry(e -> {
        e.writeString(1, "a");
        e.writeDouble(2, 1.0);
      }));
      out.writeBytes(Ping.METRICS_FIELD_NUMBER, entry(e -> {
        e.writeDouble(2, 2.0);
        e.writeString(1, "b");
      }));
      out.writeBytes(Ping.METRICS_FIELD_NUMBER, entry(e -> {
        e.writeString(1, "a");
        e.writeDouble(2, 3.0); // a repeated key: first slot, last value
      }));
      out.writeBytes(Ping.METRICS_FIELD_NUMBER, entry(e -> e.writeString(1, "no_value")));
      out.writeBytes(Ping.METRICS_FIELD_NUMBER, entry(e -> {
        e.writeString(1, "wrong_type");
        e.writeUInt64(2, 5); // a varint where a double belongs: skipped, the value stays 0
      }));
      out.writeBytes(Ping.DIMENSIONS_FIELD_NUMBER, entry(e -> {
        e.writeString(1, "lang");
        e.writeString(2, "go");
      }));
      out.writeBytes(Ping.DIMENSIONS_FIELD_NUMBER, entry(e -> e.writeString(2, "keyless")));
      out.writeBytes(Ping.DIMENSIONS_FIELD_NUMBER, entry(e -> {
        e.writeString(1, "lang");
        e.writeString(2, "rust");
      }));
      out.writeString(Ping.PING_ID_FIELD_NUMBER, "last-id"); // a repeated scalar: the last one wins
      out.writeBytes(Ping.TIMESTAMP_FIELD_NUMBER, com.google.protobuf.ByteString.copyFrom(TestPings.encoded(t -> t.writeInt32(2, 250_000_000))));
      out.writeString(Ping.PAYLOAD_FIELD_NUMBER, "{\"x\":1}");
      out.writeString(Ping.VERSION_FIELD_NUMBER, "5.3.0");
    });
    Ping canonical = TestPings.ping("inst-2", "p-2").at(TestPings.T0).version("").deployType("docker").payload("").build();
    byte[] record = TestPings.encoded(out -> {
      out.writeString(WalRecord.INGEST_NODE_FIELD_NUMBER, "node-a");
      out.writeBytes(WalRecord.PINGS_FIELD_NUMBER, com.google.protobuf.ByteString.copyFrom(odd));
      out.writeInt64(WalRecord.RECEIVED_AT_MICROS_FIELD_NUMBER, 123);
      out.writeString(WalRecord.PRINCIPAL_FIELD_NUMBER, "anonymous");
      out.writeMessage(WalRecord.PINGS_FIELD_NUMBER, canonical);
      out.writeString(WalRecord.INGEST_NODE_FIELD_NUMBER, "node-b");
      out.writeInt64(WalRecord.RECEIVED_AT_MICROS_FIELD_NUMBER, 456);
    });
    WalRecord parsed = WalRecord.parseFrom(record);
    assertThat(parsed.getPings(0).getMetricsMap()).containsExactly(
        Map.entry("a", 3.0), Map.entry("b", 2.0), Map.entry("no_value", 0.0), Map.entry("wrong_type", 0.0));

    WalRecordColumns columns = new WalRecordColumns();
    columns.scan(7, record);
    assertThat(columns.pings()).isEqualTo(2);
    assertThat(columns.receivedAtMicros()).isEqualTo(456);
    try (ColumnBatch batch = new ColumnBatch(EngineMemory.child("test", Long.MAX_VALUE))) {
      assertThat(batch.tryAppend(columns, Integer.MAX_VALUE)).isTrue();
      batch.seal();
      List<PingRow> rows = new ArrayList<>();
      for (int row = 0; row < batch.rowCount(); row++) {
        rows.add(PingRow.of(batch, row));
      }
      assertThat(rows).containsExactly(PingRow.of(7, parsed, parsed.getPings(0)), PingRow.of(7, parsed, parsed.getPings(1)));
      assertThat(rows.get(0).pingId()).isEqualTo("last-id");
      assertThat(rows.get(0).timestamp()).isEqualTo(1_700_000_000_250_000L);
      assertThat(rows.get(0).dimensions()).containsExactly(Map.entry("lang", "rust"), Map.entry("", "keyless"));
    }
  }

  @Test
  void bytesThatAreNotARecordThrowWithThePosition() {
    byte[] record = Records.record(Records.pings("p", 3)).toByteArray();
    byte[] truncated = Arrays.copyOf(record, record.length - 5);
    WalRecordColumns columns = new WalRecordColumns();
    assertThatThrownBy(() -> columns.scan(42, truncated)).isInstanceOf(WalCorruptException.class).hasMessageContaining("42");

    byte[] badPing = record.clone();
    int pingLength = 1 + 1; // tag, then the length of the first ping: make the ping's inner ping_id length overrun it
    int firstPing = indexOfFirstPing(record);
    badPing[firstPing + pingLength + 1] = (byte) 0x7F;
    columns.scan(43, badPing);
    try (ColumnBatch batch = new ColumnBatch(EngineMemory.child("test", Long.MAX_VALUE))) {
      assertThatThrownBy(() -> batch.tryAppend(columns, Integer.MAX_VALUE))
          .isInstanceOf(WalCorruptException.class)
          .hasMessageContaining("43");
    }
  }

  @Test
  void aBatchBuiltFromEntriesHoldsTheirPingsInOrder() {
    WalRecord first = Records.record(Records.pings("a", 4));
    WalRecord second = Records.record(Records.pings("b", 2));
    try (ColumnBatch batch = ColumnBatch.of(List.of(new WalReader.Entry(10, first), new WalReader.Entry(11, second)))) {
      List<PingRow> rows = new ArrayList<>();
      for (int row = 0; row < batch.rowCount(); row++) {
        rows.add(PingRow.of(batch, row));
      }
      assertThat(rows).containsExactlyElementsOf(PingRow.of(10, List.of(first, second)));
    }
  }

  /** The offset of the first ping's tag in an encoded record. */
  private static int indexOfFirstPing(byte[] record) {
    byte tag = (byte) (WalRecord.PINGS_FIELD_NUMBER << 3 | 2);
    for (int i = 0; i < record.length; i++) {
      if (record[i] == tag) {
        return i;
      }
    }
    throw new AssertionError("no ping in the record");
  }

  private static com.google.protobuf.ByteString entry(TestPings.Fields fields) throws IOException {
    return com.google.protobuf.ByteString.copyFrom(TestPings.encoded(fields));
  }
}
