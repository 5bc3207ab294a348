package io.pingstack.model;

import static io.pingstack.model.JsonPingsTest.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WalRecordIdsTest {
  private static List<String> ids(byte[] record, long[] receivedAt) {
    List<String> ids = new ArrayList<>();
    receivedAt[0] = WalRecordIds.read(7, record, (bytes, io, il, po, pl) ->
        ids.add(new String(bytes, io, il, StandardCharsets.UTF_8) + "/" + new String(bytes, po, pl, StandardCharsets.UTF_8)));
    return ids;
  }

  @Test
  void readsEveryPingsIdsAndTheReceivedTimeWithoutTheRest() {
    Ping full = ping("p-1").metric("latency_ms", 412.5).dimension("lang", "go").payload("{\"q\":\"ü\"}").build()
        .toBuilder().setInstanceId("inst-ä").build();
    Ping other = ping("p-2").build();
    byte[] record = WalRecord.newBuilder().setReceivedAtMicros(1_700_000_000_123_456L).setIngestNode("node-1")
        .setPrincipal("anonymous").addPings(full).addPings(other).build().toByteArray();
    long[] receivedAt = new long[1];

    assertThat(ids(record, receivedAt)).containsExactly("inst-ä/p-1", other.getInstanceId() + "/p-2");
    assertThat(receivedAt[0]).isEqualTo(1_700_000_000_123_456L);
  }

  @Test
  void recordThatDoesNotDecodeNamesItsPosition() {
    byte[] record = WalRecord.newBuilder().setReceivedAtMicros(1).addPings(ping("p-1").build()).build().toByteArray();
    byte[] truncated = Arrays.copyOf(record, record.length - 3);

    assertThatThrownBy(() -> ids(truncated, new long[1])).isInstanceOf(WalCorruptException.class)
        .hasMessageContaining("position 7");
  }

  @Test
  void aRecordAtTheStartOfALargerBufferIsReadUpToItsLengthOnly() {
    byte[] record = WalRecord.newBuilder().setReceivedAtMicros(5).addPings(ping("p-1").build()).build().toByteArray();
    byte[] older = WalRecord.newBuilder().setReceivedAtMicros(9).addPings(ping("p-2").build()).addPings(ping("p-3").build())
        .build().toByteArray();
    byte[] buffer = Arrays.copyOf(record, record.length + older.length); // what a reused buffer holds past the record
    System.arraycopy(older, 0, buffer, record.length, older.length);
    List<String> pingIds = new ArrayList<>();

    long receivedAt = WalRecordIds.read(7, buffer, record.length, (bytes, io, il, po, pl) ->
        pingIds.add(new String(bytes, po, pl, StandardCharsets.UTF_8)));

    assertThat(pingIds).containsExactly("p-1");
    assertThat(receivedAt).isEqualTo(5);
  }
}
