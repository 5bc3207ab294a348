package io.pingstack.rollups;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.Records;
import io.pingstack.model.PingRules;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An instance hashed from its id's bytes in a batch is the same instance as hashed from its {@code String}: snapshots keep these hashes. */
class InstanceHashTest {
  private static final List<String> IDS = List.of(
      "inst-1", "a", "x".repeat(PingRules.MAX_INSTANCE_ID), "café-ü", "\u4e2d\u6587-站点", "😀 emoji", "😀".repeat(PingRules.MAX_INSTANCE_ID / 2),
      "\u4e2d".repeat(PingRules.MAX_INSTANCE_ID), "tab\there");

  @Test
  void theBytesOfAnIdHashAsItsString() {
    for (String id : IDS) {
      byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
      byte[] padded = new byte[utf8.length + 5];
      System.arraycopy(utf8, 0, padded, 0, utf8.length);
      assertThat(InstanceHash.ofUtf8(padded, utf8.length)).as(id).isEqualTo(InstanceHash.of(id));
    }
    assertThat(InstanceHash.of("inst-1")).isNotEqualTo(InstanceHash.of("inst-2"));
  }

  @Test
  void aBatchRowHashesItsInstanceAsItsId() {
    List<Ping> pings = new ArrayList<>();
    for (int i = 0; i < IDS.size(); i++) {
      pings.add(TestPings.ping(IDS.get(i), "p-" + i).at(TestPings.T0).event("e").build());
    }
    try (ColumnBatch batch = ColumnBatch.of(Records.entries(1, Records.record(pings.toArray(Ping[]::new))))) {
      ColumnBatchPing view = new ColumnBatchPing();
      for (int row = 0; row < batch.rowCount(); row++) {
        view.load(batch, row);
        assertThat(view.instanceId()).isEqualTo(IDS.get(row));
        assertThat(view.instanceHash()).as(IDS.get(row)).isEqualTo(InstanceHash.of(IDS.get(row)));
      }
    }
  }
}
