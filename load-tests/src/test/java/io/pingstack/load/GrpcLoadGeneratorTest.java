package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.pingstack.load.StandInGrpcServer.Outcome;
import io.pingstack.model.proto.IngestResponse;
import java.net.URI;
import org.junit.jupiter.api.Test;

class GrpcLoadGeneratorTest {

  @Test
  void unaryRunAcknowledgesExactlyThePingsTheServerCounted() throws Exception {
    try (StandInGrpcServer server = StandInGrpcServer.start((call, batch) -> Outcome.acceptAll(batch))) {
      LoadResult result = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-unary", "--batch", "10",
          "--connections", "3", "--warmup", "0", "--total", "1234", "--duration", "30"));

      assertThat(result.pingsAckedInRun()).isEqualTo(1234);
      assertThat(server.pings()).isEqualTo(1234);
      assertThat(server.acknowledged()).isEqualTo(1234);
      assertThat(result.requests()).isEqualTo(server.calls()).isEqualTo(124);
      assertThat(result.errors()).isEmpty();
      assertThat(result.unanswered()).isZero();
      assertThat(server.mostBatchesInACall()).isEqualTo(1);
      long[] tally = server.pingsAndDistinctIds();
      assertThat(tally[1]).as("distinct ping ids").isEqualTo(tally[0]);
    }
  }

  @Test
  void streamRunAcknowledgesExactlyThePingsTheServerCounted() throws Exception {
    try (StandInGrpcServer server = StandInGrpcServer.start((call, batch) -> Outcome.acceptAll(batch))) {
      LoadResult result = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-stream", "--stream-batches", "7",
          "--batch", "10", "--connections", "2", "--warmup", "0", "--total", "1234", "--duration", "30"));

      assertThat(result.pingsAckedInRun()).isEqualTo(1234);
      assertThat(server.pings()).isEqualTo(1234);
      assertThat(server.acknowledged()).isEqualTo(1234);
      // 124 batches over streams of at most 7: one answer per stream, not per batch.
      assertThat(result.requests()).isEqualTo(server.calls()).isBetween(18L, 30L);
      assertThat(server.mostBatchesInACall()).isEqualTo(7);
      assertThat(result.batchesPerCall()).isEqualTo(7);
      assertThat(result.errors()).isEmpty();
      long[] tally = server.pingsAndDistinctIds();
      assertThat(tally[1]).as("distinct ping ids").isEqualTo(tally[0]);
    }
  }

  @Test
  void acknowledgedPingsAreSummedFromResponsesNotFromWhatWasSent() throws Exception {
    // Every batch has one ping answered as a duplicate.
    try (StandInGrpcServer server = StandInGrpcServer.start((call, batch) -> new Outcome(IngestResponse.newBuilder()
        .setAccepted(batch.getPingsCount() - 1).setDuplicates(1).build(), null))) {
      LoadResult unary = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-unary", "--batch", "10",
          "--connections", "3", "--warmup", "0", "--duration", "0.5"));
      LoadResult stream = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-stream", "--stream-batches", "5",
          "--batch", "10", "--connections", "3", "--warmup", "0", "--duration", "0.5"));

      assertThat(unary.requests()).isPositive();
      assertThat(unary.pingsAcked()).isEqualTo(unary.requests() * 9);
      assertThat(unary.duplicates()).isEqualTo(unary.requests());
      assertThat(stream.requests()).isPositive();
      assertThat(stream.pingsAcked()).isEqualTo(stream.requests() * 5 * 9);
      assertThat(stream.duplicates()).isEqualTo(stream.requests() * 5);
      assertThat(unary.errors()).isEmpty();
      assertThat(stream.errors()).isEmpty();
      // The server may have answered a call the run cancelled at its end, never the other way round.
      long acknowledged = unary.pingsAckedInRun() + stream.pingsAckedInRun();
      assertThat(server.acknowledged()).isBetween(acknowledged, acknowledged + 3 * 9 + 3 * 5 * 9);
      assertThat(unary.p50Millis()).isPositive().isLessThanOrEqualTo(unary.p99Millis());
    }
  }

  @Test
  void failedCallsAreCountedByStatusCodeAndAcknowledgeNothing() throws Exception {
    // Every second call fails, on its first batch: unary calls and whole streams alike.
    try (StandInGrpcServer server = StandInGrpcServer.start((call, batch) -> call % 2 == 0
        ? Outcome.fail(Status.INVALID_ARGUMENT.withDescription("every second call"))
        : Outcome.acceptAll(batch))) {
      LoadResult unary = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-unary", "--batch", "5",
          "--connections", "1", "--warmup", "0", "--duration", "0.5"));
      LoadResult stream = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-stream", "--stream-batches", "3",
          "--batch", "5", "--connections", "1", "--warmup", "0", "--duration", "0.5"));

      assertThat(unary.errors()).containsOnlyKeys("INVALID_ARGUMENT");
      assertThat(unary.errors().get("INVALID_ARGUMENT")).isBetween(unary.requests() - 1, unary.requests() + 1);
      assertThat(unary.pingsAcked()).isEqualTo(unary.requests() * 5);
      assertThat(stream.errors()).containsOnlyKeys("INVALID_ARGUMENT");
      assertThat(stream.errors().get("INVALID_ARGUMENT")).isBetween(stream.requests() - 1, stream.requests() + 1);
      assertThat(stream.pingsAcked()).isEqualTo(stream.requests() * 3 * 5);
    }
  }

  @Test
  void aServerThatStopsReadingHoldsStreamsBackInsteadOfFillingTheClient() throws Exception {
    // Without flow control the loop thread would build batches for a million-batch stream without end
    // and the run could neither finish on time nor fit in memory.
    try (StandInGrpcServer server = StandInGrpcServer.holdingStreams()) {
      LoadResult result = GrpcLoadGenerator.run(options(server.url(), "--protocol", "grpc-stream",
          "--stream-batches", "1000000", "--batch", "100", "--connections", "2", "--warmup", "0", "--duration", "0.5"));

      assertThat(result.measuredSeconds()).isBetween(0.45, 5.0);
      assertThat(result.unanswered()).isEqualTo(2);
      assertThat(result.requests()).isZero();
      assertThat(server.pings()).isEqualTo(2 * 100);
    }
  }

  @Test
  void unreachableListenerIsReportedAsUnavailable() throws Exception {
    LoadResult result = GrpcLoadGenerator.run(options(TestUrls.refusingConnections(), "--protocol", "grpc-unary",
        "--connections", "2", "--warmup", "0", "--duration", "0.3"));

    assertThat(result.pingsAcked()).isZero();
    assertThat(result.errors()).containsOnlyKeys("UNAVAILABLE");
  }

  private static LoadOptions options(URI url, String... args) {
    return LoadOptions.parse(TestUrls.withUrl(url, args));
  }
}
