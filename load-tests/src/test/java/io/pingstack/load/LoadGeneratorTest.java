package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.load.StandInIngestServer.Answer;
import io.pingstack.model.proto.IngestResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

  @Test
  void generatorCountsAcknowledgedPingsFromResponses() throws Exception {
    // The stand-in calls one ping of every request a duplicate: only the answers' counts may be summed.
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> new Answer(HttpResponseStatus.OK,
        IngestResponse.newBuilder().setAccepted(batch.getPingsCount() - 1).setDuplicates(1).build()))) {
      LoadResult result = LoadGenerator.run(
          options(server.url(), "--batch", "10", "--connections", "3", "--warmup", "0", "--duration", "0.7"));

      assertThat(result.requests()).isPositive();
      assertThat(result.pingsAcked()).isEqualTo(result.requests() * 9);
      assertThat(result.duplicates()).isEqualTo(result.requests());
      assertThat(result.errors()).isEmpty();
      assertThat(result.pingsPerSecond()).isCloseTo(result.pingsAcked() / result.measuredSeconds(), within(1e-6));
      assertThat(result.p50Millis()).isPositive().isLessThanOrEqualTo(result.p99Millis());
      assertThat(result.p99Millis()).isLessThanOrEqualTo(result.maxMillis());
      // Every answer counted was an answer the server gave; the last one per connection may be in flight.
      assertThat(server.requests()).isBetween(result.requests(), result.requests() + 3);
    }
  }

  @Test
  void everyPingTheServerReceivesHasItsOwnId() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      LoadGenerator.run(options(server.url(), "--batch", "100", "--connections", "4", "--warmup", "0", "--duration", "0.5"));

      long[] tally = server.pingsAndDistinctIds();
      assertThat(tally[0]).as("pings received").isGreaterThan(1000);
      assertThat(tally[1]).as("distinct ping ids").isEqualTo(tally[0]);
    }
  }

  @Test
  void connectionsClosedByTheServerAreReopenedWithFreshPingIds() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> new Answer(HttpResponseStatus.OK,
        IngestResponse.newBuilder().setAccepted(batch.getPingsCount()).build(), n % 5 == 0))) {
      LoadResult result = LoadGenerator.run(
          options(server.url(), "--batch", "10", "--connections", "2", "--warmup", "0", "--duration", "0.8"));

      assertThat(result.errors()).containsOnlyKeys("closed");
      assertThat(result.pingsAcked()).isEqualTo(result.requests() * 10);
      assertThat(result.errors().get("closed")).isBetween(server.requests() / 5 - 2, server.requests() / 5);
      long[] tally = server.pingsAndDistinctIds();
      assertThat(tally[1]).as("distinct ping ids").isEqualTo(tally[0]);
    }
  }

  @Test
  void aConnectionDroppedDuringARetryAfterPauseStillCarriesOneRequestAtATime() throws Exception {
    // The first answer asks for a 1 s pause and the server then drops the connection: the generator
    // reconnects at once and sends, so the pause's end must not send a second request beside it.
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> n == 1
        ? new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, IngestResponse.getDefaultInstance()).retryAfterThenDrop(1)
        : Answer.acceptAll(batch).after(Duration.ofMillis(200)))) {
      LoadResult result = LoadGenerator.run(
          options(server.url(), "--batch", "10", "--connections", "1", "--warmup", "0", "--duration", "2"));

      assertThat(result.errors()).containsKey("503");
      assertThat(server.requests()).isGreaterThan(5);
      assertThat(server.requestsOverlapped()).isZero();
    }
  }

  @Test
  void warmupAnswersAreNotCounted() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      LoadResult result = LoadGenerator.run(
          options(server.url(), "--batch", "1", "--connections", "2", "--warmup", "0.5", "--duration", "0.5"));

      assertThat(result.requests()).isPositive();
      assertThat(server.requests()).isGreaterThan(result.requests() + 2L * result.connections());
      assertThat(result.measuredSeconds()).isBetween(0.45, 5.0);
    }
  }

  @Test
  void non200AnswersAreCountedByStatusAndNotAcknowledged() throws Exception {
    // Every second answer is a 503 whose body still claims the pings were accepted.
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> n % 2 == 0
        ? new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, IngestResponse.newBuilder().setAccepted(1000).build())
        : Answer.acceptAll(batch))) {
      LoadResult result = LoadGenerator.run(
          options(server.url(), "--batch", "5", "--connections", "1", "--warmup", "0", "--duration", "0.5"));

      assertThat(result.errors()).containsOnlyKeys("503");
      assertThat(result.errors().get("503")).isBetween(result.requests() - 1, result.requests() + 1);
      assertThat(result.pingsAcked()).isEqualTo(result.requests() * 5);
    }
  }

  @Test
  void jsonAnswersAreReadWhenTheServerIgnoresAccept() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.startJsonOnly((n, batch) -> new Answer(HttpResponseStatus.OK,
        IngestResponse.newBuilder().setAccepted(batch.getPingsCount() - 2).setRejected(2).build()))) {
      LoadResult result = LoadGenerator.run(
          options(server.url(), "--batch", "7", "--connections", "2", "--warmup", "0", "--duration", "0.5"));

      assertThat(result.requests()).isPositive();
      assertThat(result.pingsAcked()).isEqualTo(result.requests() * 5);
      assertThat(result.rejected()).isEqualTo(result.requests() * 2);
      assertThat(result.errors()).isEmpty();
    }
  }

  @Test
  void jsonAndNdjsonBodiesGzippedOrNotAreValidPingsForTheServersDecoder() throws Exception {
    String[][] variants = {{"--format", "json"}, {"--format", "ndjson", "--gzip"}, {"--gzip"}};
    String[] kinds = {"application/json", "application/x-ndjson+gzip", "application/x-protobuf+gzip"};
    for (int v = 0; v < variants.length; v++) {
      try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
        String[] args = concat(variants[v], "--batch", "50", "--connections", "2", "--warmup", "0", "--total", "1000");
        LoadResult result = LoadGenerator.run(options(server.url(), args));

        assertThat(result.pingsAckedInRun()).isEqualTo(1000);
        assertThat(server.bodyKinds()).containsExactly(kinds[v]);
        assertThat(server.invalidPings()).isZero();
        assertThat(server.pingsAndDistinctIds()).containsExactly(1000, 1000);
      }
    }
  }

  @Test
  void totalEndsTheRunAtExactlyThatManyAcknowledgedPings() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      LoadResult result = LoadGenerator.run(options(server.url(), "--batch", "100", "--connections", "4",
          "--warmup", "0", "--total", "1234", "--duration", "30"));

      assertThat(result.pingsAckedInRun()).isEqualTo(1234);
      assertThat(result.pingsPerSecondInRun()).isCloseTo(1234 / result.runSeconds(), within(1e-6));
      assertThat(server.pings()).isEqualTo(1234);
      assertThat(result.unanswered()).isZero();
      assertThat(result.measuredSeconds()).isLessThan(30);
    }
  }

  @Test
  void totalReachedWithinTheWarmupLeavesTheMeasuredWindowEmpty() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch))) {
      LoadResult result = LoadGenerator.run(options(server.url(), "--batch", "10", "--connections", "2",
          "--warmup", "60", "--total", "200"));

      assertThat(result.pingsAckedInRun()).isEqualTo(200);
      assertThat(result.measuredSeconds()).isZero();
      assertThat(result.pingsAcked()).isZero();
      assertThat(result.p99Millis()).isZero();
      assertThat(result.runSeconds()).isPositive().isLessThan(60);
    }
  }

  @Test
  void totalCountsOnlyAcceptedPingsAndSendsMoreForThoseRefused() throws Exception {
    // Requests of several pings have one answered as a duplicate; every fifth request is a 503.
    try (StandInIngestServer server = StandInIngestServer.start((n, batch) -> {
      int duplicates = batch.getPingsCount() > 1 ? 1 : 0;
      return n % 5 == 0
          ? new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, IngestResponse.getDefaultInstance())
          : new Answer(HttpResponseStatus.OK, IngestResponse.newBuilder()
              .setAccepted(batch.getPingsCount() - duplicates).setDuplicates(duplicates).build());
    })) {
      LoadResult result = LoadGenerator.run(options(server.url(), "--batch", "10", "--connections", "3",
          "--warmup", "0", "--total", "500", "--duration", "30"));

      assertThat(result.pingsAckedInRun()).isEqualTo(500);
      assertThat(result.errors()).containsKey("503");
      assertThat(server.pings()).isGreaterThan(500 + 500 / 9);
    }
  }

  @Test
  void spreadRunsSendFeatureEventsOverThePastDays() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ZERO, Duration.ZERO)) {
      LoadGenerator.run(options(server.url(), "--batch", "100", "--connections", "2", "--warmup", "0",
          "--total", "20000", "--events", "50", "--time-spread", "2d"));

      assertThat(server.pings()).isEqualTo(20000);
      String events = server.rollupsAnswer("/v1/events");
      assertThat(events).contains("\"feature1.used\"", "\"feature50.used\"").doesNotContain("search.executed");
      long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
      String oldestDay = server.rollupsAnswer("/v1/rollups?event=feature1.used&from=" + (twoDaysAgo - 60_000)
          + "&to=" + (twoDaysAgo + Duration.ofHours(12).toMillis()) + "&step=1h&agg=count");
      assertThat(FreshnessProbe.sumOfCounts(oldestDay.getBytes(StandardCharsets.UTF_8))).isPositive();
    }
  }

  @Test
  void unreachableServerIsReportedAsConnectErrors() throws Exception {
    LoadResult result = LoadGenerator.run(options(TestUrls.refusingConnections(),
        "--connections", "2", "--warmup", "0", "--duration", "0.3"));

    assertThat(result.pingsAcked()).isZero();
    assertThat(result.errors()).containsOnlyKeys("connect");
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  private static LoadOptions options(URI url, String... args) {
    return LoadOptions.parse(TestUrls.withUrl(url, args));
  }
}
