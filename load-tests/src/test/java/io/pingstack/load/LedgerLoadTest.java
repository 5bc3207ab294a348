package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.load.StandInGrpcServer.Outcome;
import io.pingstack.load.StandInIngestServer.Answer;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.PingBatch;
import io.pingstack.model.proto.PingError;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --ledger} end to end: the file must name exactly the pings the stand-ins acknowledged. */
class LedgerLoadTest {
  @TempDir
  Path dir;

  @Test
  void theLedgerNamesExactlyThePingsTheServerAcknowledgedInEveryBodyFormat() throws Exception {
    for (String format : List.of("protobuf", "json", "ndjson")) {
      Path file = dir.resolve(format + ".tsv");
      try (StandInIngestServer server = StandInIngestServer.start(LedgerLoadTest::refuseSomeAndDuplicateSome)) {
        LoadResult result = LoadGenerator.run(options(server.url(), "--format", format, "--batch", "10",
            "--connections", "3", "--warmup", "0", "--total", "600", "--ledger", file.toString()));

        assertThat(result.pingsAckedInRun()).isEqualTo(600);
        assertThat(result.unanswered()).isZero();
        assertThat(lines(file)).as(format).hasSize((int) result.ledger().written())
            .containsExactlyInAnyOrderElementsOf(server.acknowledgedIds());
        assertThat(result.ledger().unresolved()).isZero();
        assertThat(result.ledger().written()).isGreaterThan(600).isLessThan(server.pings());
      }
    }
  }

  @Test
  void grpcUnaryCallsAndStreamsWriteThePingsOfEveryOkResponse() throws Exception {
    for (String protocol : List.of("grpc-unary", "grpc-stream")) {
      Path file = dir.resolve(protocol + ".tsv");
      try (StandInGrpcServer server = StandInGrpcServer.start((call, batch) -> Outcome.acceptAll(batch))) {
        LoadResult result = GrpcLoadGenerator.run(options(server.url(), "--protocol", protocol, "--batch", "10",
            "--connections", "2", "--warmup", "0", "--total", "1234", "--ledger", file.toString()));

        assertThat(result.pingsAckedInRun()).isEqualTo(1234);
        assertThat(lines(file)).as(protocol).hasSize(1234).containsExactlyInAnyOrderElementsOf(server.acknowledgedIds());
      }
    }
  }

  @Test
  void clickhouseInsertsAnswered200AreWrittenWhole() throws Exception {
    Path file = dir.resolve("clickhouse.tsv");
    try (StandInClickHouse clickhouse = StandInClickHouse.start(n -> n % 3 == 0)) {
      LoadResult result = LoadGenerator.run(options(clickhouse.url(), "--protocol", "clickhouse-json", "--batch", "10",
          "--connections", "1", "--warmup", "0", "--total", "300", "--ledger", file.toString()));

      assertThat(result.pingsAckedInRun()).isEqualTo(300);
      assertThat(lines(file)).hasSize(300).allSatisfy(line -> assertThat(line).matches("[0-9a-f-]{36}\t[0-9a-f]{16}-0-[0-9]+"));
    }
  }

  @Test
  void answersWithCountsButNoPerPingErrorsAreCountedAsUnresolved() throws Exception {
    Path file = dir.resolve("ledger.tsv");
    // Two pings of each request rejected, but the answer does not say which.
    try (StandInIngestServer server = StandInIngestServer.startJsonOnly((n, batch) -> new Answer(HttpResponseStatus.OK,
        IngestResponse.newBuilder().setAccepted(batch.getPingsCount() - 2).setRejected(2).build()))) {
      LoadResult result = LoadGenerator.run(options(server.url(), "--batch", "7", "--connections", "2",
          "--warmup", "0", "--duration", "0.5", "--ledger", file.toString()));

      assertThat(result.pingsAckedInRun()).isPositive();
      assertThat(lines(file)).isEmpty();
      assertThat(result.ledger().written()).isZero();
      assertThat(result.ledger().unresolved()).isEqualTo(result.pingsAckedInRun());
      assertThat(result.summary()).contains("ledger        " + file + ": 0 acknowledged pings written, "
          + result.pingsAckedInRun() + " left out");
    }
  }

  /**
   * Every third request has its first ping refused (listed in errors), every request one ping
   * answered as a duplicate; the last requests of a total, cut short, keep at least one accepted.
   */
  private static Answer refuseSomeAndDuplicateSome(long n, PingBatch batch) {
    int refused = n % 3 == 0 && batch.getPingsCount() >= 3 ? 1 : 0;
    int duplicates = batch.getPingsCount() >= 2 ? 1 : 0;
    IngestResponse.Builder counts = IngestResponse.newBuilder()
        .setAccepted(batch.getPingsCount() - refused - duplicates).setDuplicates(duplicates).setRejected(refused);
    if (refused == 1) {
      counts.addErrors(PingError.newBuilder().setIndex(0).setPingId(batch.getPings(0).getPingId()).setReason("invalid_event"));
    }
    return new Answer(HttpResponseStatus.OK, counts.build());
  }

  private static List<String> lines(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    assertThat(new HashSet<>(lines)).as("no ping written twice").hasSameSizeAs(lines);
    return lines;
  }

  private static LoadOptions options(URI url, String... args) {
    return LoadOptions.parse(TestUrls.withUrl(url, args));
  }
}
