package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ClickHouseJsonLoadTest {

  @Test
  void everyPingOfARequestAnswered200IsAcknowledgedAndStoredOnce() throws Exception {
    try (StandInClickHouse clickhouse = StandInClickHouse.start(n -> false)) {
      LoadResult result = LoadGenerator.run(options(clickhouse.url(), "--batch", "100", "--connections", "3",
          "--warmup", "0", "--duration", "0.7"));

      assertThat(result.protocol()).isEqualTo("clickhouse-json");
      assertThat(result.requests()).isPositive();
      assertThat(result.pingsAcked()).isEqualTo(result.requests() * 100);
      assertThat(result.errors()).isEmpty();
      assertThat(clickhouse.queries()).containsExactly("query=INSERT INTO bench.pings FORMAT JSONEachRow");
      long[] tally = clickhouse.rowsAndDistinctIds();
      assertThat(tally[1]).as("distinct ping ids").isEqualTo(tally[0]);
      // The last request of each connection may be in flight when the window closes.
      assertThat(tally[0]).isBetween(result.pingsAcked(), result.pingsAcked() + 3 * 100);
    }
  }

  @Test
  void refusedInsertsAcknowledgeNothingAndAreCountedByStatus() throws Exception {
    try (StandInClickHouse clickhouse = StandInClickHouse.start(n -> n % 3 == 0)) {
      LoadResult result = LoadGenerator.run(options(clickhouse.url(), "--batch", "10", "--connections", "1",
          "--warmup", "0", "--total", "300", "--duration", "30"));

      assertThat(result.pingsAckedInRun()).isEqualTo(300);
      assertThat(result.errors()).containsOnlyKeys("500");
      assertThat(result.errors().get("500")).isEqualTo(14);
      assertThat(clickhouse.rowsAndDistinctIds()).containsExactly(300, 300);
    }
  }

  private static LoadOptions options(URI url, String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "--protocol";
    all[1] = "clickhouse-json";
    all[2] = "--table";
    all[3] = "bench.pings";
    System.arraycopy(args, 0, all, 4, args.length);
    return LoadOptions.parse(TestUrls.withUrl(url, all));
  }
}
