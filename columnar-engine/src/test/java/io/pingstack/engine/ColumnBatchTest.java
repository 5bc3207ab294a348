package io.pingstack.engine;

import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.TestPings;
import io.pingstack.model.WalReader;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ColumnBatchTest {
  @Test
  void accessorsReadEveryColumnOfARowWithoutTouchingArrow() {
    Ping full = TestPings.ping("inst-1", "p-1").at(TestPings.T0).event("search.executed").version("5.3.0")
        .deployType("kubernetes").metric("duration_ms", 12.5).metric("results", 3)
        .dimension("lang", "go").dimension("repo", "ünïcode/✓").payload("{\"q\":\"x\"}").build();
    Ping bare = TestPings.ping("inst-2", "p-2").at(TestPings.T0.plusSeconds(1)).version("").deployType("").build();
    WalRecord first = record(full);
    WalRecord second = record(Records.RECEIVED_AT + 7, bare);
    try (ColumnBatch batch = ColumnBatch.of(Records.entries(100, first, second))) {
      assertThat(batch.records()).isEqualTo(2);
      assertThat(batch.rowCount()).isEqualTo(2);
      assertThat(batch.firstPosition()).isEqualTo(100);
      assertThat(batch.lastPosition()).isEqualTo(101);
      assertThat(batch.root().getRowCount()).isEqualTo(2);
      assertThat(batch.walPosition(0)).isEqualTo(100);
      assertThat(batch.receivedAtMicros(1)).isEqualTo(Records.RECEIVED_AT + 7);
      assertThat(batch.ingestNode(0)).isEqualTo("node-1");
      assertThat(batch.pingId(0)).isEqualTo("p-1");
      assertThat(batch.instanceId(1)).isEqualTo("inst-2");
      byte[] utf8 = new byte[8];
      assertThat(batch.copyUtf8(ColumnBatch.Text.INSTANCE_ID, 1, utf8, 0)).isEqualTo(6);
      assertThat(new String(utf8, 0, 6, StandardCharsets.UTF_8)).isEqualTo("inst-2");
      assertThat(batch.copyUtf8(ColumnBatch.Text.INSTANCE_ID, 1, new byte[5], 0)).isEqualTo(-1);
      assertThat(batch.timestampMicros(0)).isEqualTo(TestPings.T0.toEpochMilli() * 1000);
      assertThat(batch.event(0)).isEqualTo("search.executed");
      assertThat(batch.version(0)).isEqualTo("5.3.0");
      assertThat(batch.version(1)).isEmpty();
      assertThat(batch.deployType(0)).isEqualTo("kubernetes");
      assertThat(batch.payload(0)).isEqualTo("{\"q\":\"x\"}");
      assertThat(batch.payload(1)).isNull();
      assertThat(batch.metricEnd(0) - batch.metricStart(0)).isEqualTo(2);
      assertThat(batch.metricStart(1)).isEqualTo(batch.metricEnd(1)).isEqualTo(2);
      assertThat(batch.dimensionEnd(0) - batch.dimensionStart(0)).isEqualTo(2);
      assertThat(batch.dimensionStart(1)).isEqualTo(batch.dimensionEnd(1)).isEqualTo(2);
      assertThat(PingRow.metrics(batch, 0)).containsExactly(Map.entry("duration_ms", 12.5), Map.entry("results", 3.0));
      assertThat(PingRow.dimensions(batch, 0)).containsExactly(Map.entry("lang", "go"), Map.entry("repo", "ünïcode/✓"));
      assertUtf8(batch, ColumnBatch.Text.INGEST_NODE, 0, "node-1");
      assertUtf8(batch, ColumnBatch.Text.PING_ID, 0, "p-1");
      assertUtf8(batch, ColumnBatch.Text.INSTANCE_ID, 1, "inst-2");
      assertUtf8(batch, ColumnBatch.Text.EVENT, 0, "search.executed");
      assertUtf8(batch, ColumnBatch.Text.VERSION, 0, "5.3.0");
      assertUtf8(batch, ColumnBatch.Text.VERSION, 1, "");
      assertUtf8(batch, ColumnBatch.Text.DEPLOY_TYPE, 0, "kubernetes");
      assertUtf8(batch, ColumnBatch.Text.PAYLOAD, 0, "{\"q\":\"x\"}");
      assertUtf8(batch, ColumnBatch.Text.PAYLOAD, 1, "");
      assertUtf8(batch, ColumnBatch.Text.METRIC_KEY, 1, "results");
      assertUtf8(batch, ColumnBatch.Text.DIMENSION_KEY, 1, "repo");
      assertUtf8(batch, ColumnBatch.Text.DIMENSION_VALUE, 1, "ünïcode/✓");
      byte[] small = new byte[12];
      assertThat(batch.copyUtf8(ColumnBatch.Text.DIMENSION_VALUE, 1, small, 1)).isEqualTo(-1);
      assertThat(small).containsOnly(0);
    }
  }

  @Test
  void aRecordThatWouldOverflowTheBatchMemoryIsLeftWholeForTheNextBatch() {
    String payload = "{\"blob\":\"" + "y".repeat(300_000) + "\"}";
    List<WalReader.Entry> appended = new ArrayList<>();
    try (ColumnBatch batch = new ColumnBatch(EngineMemory.child("test", ConsumerConfig.MIN_BYTES))) {
      WalReader.Entry refused = null;
      for (int i = 0; refused == null; i++) {
        WalReader.Entry entry = new WalReader.Entry(i, record(
            TestPings.ping("inst-1", "p" + i + "-a").payload(payload).metric("m", i).build(),
            TestPings.ping("inst-1", "p" + i + "-b").payload(payload).dimension("d", "v" + i).build()));
        if (append(batch, entry)) {
          appended.add(entry);
        } else {
          refused = entry;
        }
      }
      batch.seal();
      assertThat(appended).hasSizeGreaterThan(1);
      assertThat(batch.lastPosition()).isEqualTo(appended.get(appended.size() - 1).position());
      assertRowsAre(batch, appended);

      batch.reset();
      assertThat(append(batch, refused)).isTrue();
      batch.seal();
      assertRowsAre(batch, List.of(refused));
    }
  }

  @Test
  void aRecordLargerThanAWholeBatchIsRefusedWithItsPosition() {
    String payload = "{\"blob\":\"" + "z".repeat(3_000_000) + "\"}";
    WalReader.Entry huge = new WalReader.Entry(42, record(
        TestPings.ping("inst-1", "a").payload(payload).build(), TestPings.ping("inst-1", "b").payload(payload).build()));
    try (ColumnBatch batch = new ColumnBatch(EngineMemory.child("test", ConsumerConfig.MIN_BYTES))) {
      assertThatThrownBy(() -> append(batch, huge))
          .isInstanceOf(RecordTooLargeException.class)
          .hasMessageContaining("position 42");
      assertThat(batch.records()).isZero();
    }
  }

  private static boolean append(ColumnBatch batch, WalReader.Entry entry) {
    WalRecordColumns columns = new WalRecordColumns();
    columns.scan(entry.position(), entry.record().toByteArray());
    return batch.tryAppend(columns, Integer.MAX_VALUE);
  }

  /** {@code utf8Length} and {@code copyUtf8} give {@code expected}'s UTF-8 bytes, copied where asked. */
  private static void assertUtf8(ColumnBatch batch, ColumnBatch.Text column, int index, String expected) {
    byte[] bytes = expected.getBytes(StandardCharsets.UTF_8);
    assertThat(batch.utf8Length(column, index)).isEqualTo(bytes.length);
    byte[] into = new byte[bytes.length + 3];
    assertThat(batch.copyUtf8(column, index, into, 2)).isEqualTo(bytes.length);
    assertThat(Arrays.copyOfRange(into, 2, 2 + bytes.length)).isEqualTo(bytes);
  }

  private static void assertRowsAre(ColumnBatch batch, List<WalReader.Entry> entries) {
    List<PingRow> expected = new ArrayList<>();
    for (WalReader.Entry entry : entries) {
      entry.record().getPingsList().forEach(p -> expected.add(PingRow.of(entry.position(), entry.record(), p)));
    }
    List<PingRow> actual = new ArrayList<>();
    for (int row = 0; row < batch.rowCount(); row++) {
      actual.add(PingRow.of(batch, row));
    }
    assertThat(actual).containsExactlyElementsOf(expected);
  }
}
