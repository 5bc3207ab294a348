package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DedupBenchmarkTest {
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void everyPairOfEveryBatchIsADuplicateAndTheWindowKeepsItsSize(boolean warm) {
    DedupBenchmark benchmark = new DedupBenchmark();
    benchmark.pairs = 20_000;
    benchmark.warm = warm;
    benchmark.fill();
    assertThat(benchmark.size()).isEqualTo(20_000);

    for (int i = 0; i < 1_000; i++) {
      assertThat(benchmark.lookups()).isEqualTo(DedupBenchmark.BATCH);
    }
    assertThat(benchmark.size()).isEqualTo(20_000);
  }
}
