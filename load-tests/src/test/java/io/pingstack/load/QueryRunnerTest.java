package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueryRunnerTest {
  private static final String GOOD = "good=/v1/rollups?event=a.b&from=0&to=60000&step=1m&agg=count";
  private static final String BAD = "bad=/v1/rollups?event=a.b&from=0&to=60000&step=2m&agg=count";

  @Test
  void non200AnswersAreErrorsOfTheirQueryAndNeverLatencySamples() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ZERO, Duration.ZERO)) {
      QueryResult result = QueryRunner.run(options(server.url(), "--query", GOOD, "--query", BAD,
          "--connections", "2", "--warmup", "0", "--duration", "0.5"));

      QueryResult.PerQuery good = result.queries().get(0);
      QueryResult.PerQuery bad = result.queries().get(1);
      assertThat(good.requests()).isPositive();
      assertThat(good.errors()).isEmpty();
      assertThat(good.meanBytes()).isPositive();
      assertThat(bad.requests()).isZero();
      assertThat(bad.p99Micros()).isZero();
      assertThat(bad.errors()).containsOnlyKeys("400");
      // Each connection alternates between the two queries.
      assertThat(bad.errors().get("400")).isBetween(good.requests() - 2, good.requests() + 2);
    }
  }

  @Test
  void latencyIncludesTheTimeTheServerTakesToAnswer() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ZERO, Duration.ofMillis(25))) {
      QueryResult result = QueryRunner.run(options(server.url(), "--query", GOOD,
          "--connections", "2", "--warmup", "0.1", "--duration", "0.5"));

      QueryResult.PerQuery good = result.queries().get(0);
      assertThat(good.requests()).isPositive().isLessThanOrEqualTo(2 * (500 / 25) + 2);
      assertThat(good.p50Micros()).isGreaterThanOrEqualTo(25_000);
      assertThat(good.maxMicros()).isGreaterThanOrEqualTo(good.p99Micros());
    }
  }

  @Test
  void unreachableServerIsReportedAsConnectErrors() throws Exception {
    QueryResult result = QueryRunner.run(options(TestUrls.refusingConnections(), "--query", GOOD,
        "--connections", "1", "--warmup", "0", "--duration", "0.3"));

    assertThat(result.queries().get(0).requests()).isZero();
    assertThat(result.queries().get(0).errors()).containsOnlyKeys("connect");
  }

  private static QueryOptions options(URI url, String... args) {
    return QueryOptions.parse(TestUrls.withUrl(url, args));
  }
}
