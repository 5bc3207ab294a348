package io.pingstack.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WalAppendBenchmarkTest {
  @ParameterizedTest
  @ValueSource(strings = {"none", "group"})
  void appendsAreAcknowledgedAtIncreasingPositions(String sync) throws Exception {
    WalAppendBenchmark benchmark = new WalAppendBenchmark();
    benchmark.sync = sync;
    benchmark.record();
    benchmark.open();
    try {
      long first = benchmark.append();
      long last = benchmark.append16();

      assertThat(first).isGreaterThanOrEqualTo(0);
      assertThat(last).isGreaterThan(first);
    } finally {
      benchmark.close();
    }
  }

  @Test
  void theRecordIsOneRequestOfAHundredPings() {
    WalAppendBenchmark benchmark = new WalAppendBenchmark();
    benchmark.record();

    assertThat(benchmark.recordBytes()).isBetween(10_000, 30_000);
  }
}
