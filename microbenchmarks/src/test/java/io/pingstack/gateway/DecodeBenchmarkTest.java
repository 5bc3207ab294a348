package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.bench.BenchPings;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.proto.WalRecord;
import org.junit.jupiter.api.Test;

class DecodeBenchmarkTest {
  @Test
  void everyBodyDecodesToTheSameHundredValidPings() throws Exception {
    DecodeBenchmark benchmark = new DecodeBenchmark();
    benchmark.setup();

    DecodedBatch protobuf = benchmark.protobuf();
    assertThat(protobuf.valid()).hasSize(BenchPings.BATCH);
    assertThat(protobuf.rejected()).isEmpty();
    assertThat(protobuf.valid()).allSatisfy(ping -> {
      assertThat(ping.getMetricsCount()).isBetween(2, 3);
      assertThat(ping.getDimensionsCount()).isBetween(1, 2);
    });
    assertThat(benchmark.protobufGzip().valid()).isEqualTo(protobuf.valid());
    assertThat(benchmark.json().valid()).isEqualTo(protobuf.valid());
    assertThat(benchmark.ndjson().valid()).isEqualTo(protobuf.valid());
  }

  @Test
  void theWalRecordHoldsEveryPingOfTheBody() throws Exception {
    DecodeBenchmark benchmark = new DecodeBenchmark();
    benchmark.setup();

    WalRecord record = WalRecord.parseFrom(benchmark.protobufToWalRecord());

    assertThat(record.getPingsList()).isEqualTo(benchmark.protobuf().valid());
    assertThat(record.getIngestNode()).isNotEmpty();
  }
}
