package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.bench.BenchPings;
import org.junit.jupiter.api.Test;

class ArrowBatchBenchmarkTest {
  @Test
  void everyBuildHoldsEveryPingOfEveryRecord() {
    ArrowBatchBenchmark benchmark = new ArrowBatchBenchmark();
    benchmark.setup();
    try {
      for (int round = 0; round < 2; round++) {
        ColumnBatch batch = benchmark.build();

        assertThat(batch.records()).isEqualTo(ArrowBatchBenchmark.RECORDS);
        assertThat(batch.rowCount()).isEqualTo(ArrowBatchBenchmark.RECORDS * BenchPings.BATCH);
        assertThat(batch.root().getRowCount()).isEqualTo(batch.rowCount());
        int last = batch.rowCount() - 1;
        assertThat(batch.walPosition(last)).isEqualTo(ArrowBatchBenchmark.RECORDS - 1);
        assertThat(batch.event(last)).contains(".");
        assertThat(batch.instanceId(last)).hasSize(36);
        assertThat(batch.metricEnd(last) - batch.metricStart(last)).isBetween(2, 3);
        assertThat(batch.dimensionEnd(last) - batch.dimensionStart(last)).isBetween(1, 2);
      }
    } finally {
      benchmark.tearDown();
    }
  }
}
