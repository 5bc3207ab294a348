package io.pingstack.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.rollups.EventSummary;
import io.pingstack.rollups.RollupSink;
import org.junit.jupiter.api.Test;

class RollupUpdateBenchmarkTest {
  @Test
  void eachAcceptCountsAHundredPingsMore() throws Exception {
    RollupUpdateBenchmark benchmark = new RollupUpdateBenchmark();
    benchmark.loadedPings = 20_000;
    benchmark.setup();
    try {
      assertThat(total(benchmark.sink())).isEqualTo(20_000);
      assertThat(benchmark.sink().seriesCount()).isGreaterThan(100);

      RollupSink sink = benchmark.accept();

      assertThat(total(sink)).isEqualTo(20_000 + BenchPings.BATCH);
    } finally {
      benchmark.tearDown();
    }
  }

  private static long total(RollupSink sink) {
    return sink.events().stream().mapToLong(EventSummary::count).sum();
  }
}
