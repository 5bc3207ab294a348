package io.pingstack.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.HttpReply;
import io.pingstack.rollups.RollupResult;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QueryBenchmarkTest {
  @ParameterizedTest
  @ValueSource(strings = {"count_per_hour", "distinct_instances_per_version_per_day", "p95_per_hour"})
  void eachQueryIsAnsweredFromTheLoadedCells(String query) throws Exception {
    QueryBenchmark benchmark = new QueryBenchmark();
    benchmark.loadedPings = 20_000;
    benchmark.query = query;
    benchmark.setup();
    try {
      HttpReply reply = benchmark.endpoint();
      RollupResult result = benchmark.reader();

      assertThat(reply.status()).isEqualTo(HttpResponseStatus.OK);
      assertThat(new String(reply.body(), StandardCharsets.UTF_8)).contains("\"points\":[{\"t\":");
      assertThat(result.series()).isNotEmpty();
      assertThat(result.series()).allSatisfy(s -> assertThat(s.points()).isNotEmpty()
          .allSatisfy(p -> assertThat(p.values()[0]).isPositive()));
      if (query.equals("count_per_hour")) {
        // A fifth of the pings are search.executed, all within the 7 days the query covers.
        double counted = result.series().get(0).points().stream().mapToDouble(p -> p.values()[0]).sum();
        assertThat(counted).isBetween(3_000.0, 5_000.0);
      }
      if (query.equals("distinct_instances_per_version_per_day")) {
        assertThat(result.series()).hasSizeGreaterThan(3);
      }
    } finally {
      benchmark.tearDown();
    }
  }
}
