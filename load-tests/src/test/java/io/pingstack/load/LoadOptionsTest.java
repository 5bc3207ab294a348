package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadOptionsTest {

  @Test
  void optionsAcceptBothSpellingsAndDecimalSeconds() {
    LoadOptions options = LoadOptions.parse("--batch", "1", "--connections=64", "--duration", "2.5", "--token", "t");

    assertThat(options.batch()).isEqualTo(1);
    assertThat(options.connections()).isEqualTo(64);
    assertThat(options.duration()).isEqualTo(Duration.ofMillis(2500));
    assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.token()).isEqualTo("t");
    assertThat(options.url().toString()).isEqualTo("http://127.0.0.1:8080");
  }

  @Test
  void requestsGoToV1PingsUnderTheBaseUrl() {
    assertThat(LoadOptions.parse().path()).isEqualTo("/v1/pings");
    assertThat(LoadOptions.parse("--url", "http://127.0.0.1:9/").path()).isEqualTo("/v1/pings");
    assertThat(LoadOptions.parse("--url", "http://127.0.0.1:9/base/").path()).isEqualTo("/base/v1/pings");
  }

  @Test
  void datasetOptionsDescribeSevenDaysOfFiftyEvents() {
    LoadOptions options = LoadOptions.parse("--events", "50", "--time-spread", "7d", "--total", "5_000_000");

    assertThat(options.events()).isEqualTo(50);
    assertThat(options.mix().shapes()).hasSize(50);
    assertThat(options.timeSpread()).isEqualTo(Duration.ofDays(7));
    assertThat(options.total()).isEqualTo(5_000_000);
    assertThat(options.duration()).as("no time limit unless --duration is given").isEqualTo(LoadOptions.NO_LIMIT);
    assertThat(options.probeEvent()).isEqualTo("probe.freshness");
    assertThat(LoadOptions.parse("--total", "10", "--duration", "3").duration()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void byDefaultPingsAreTheFiveProductEventsTimestampedNowForTheDuration() {
    LoadOptions options = LoadOptions.parse();

    assertThat(options.mix().shapes()).hasSize(5);
    assertThat(options.timeSpread()).isZero();
    assertThat(options.total()).isZero();
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void datasetOptionsOutsideTheirLimitsAreRefusedByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--events", "257")).hasMessageContaining("--events");
    assertThatThrownBy(() -> LoadOptions.parse("--time-spread", "30d")).hasMessageContaining("--time-spread")
        .hasMessageContaining("30-day max age");
    assertThatThrownBy(() -> LoadOptions.parse("--time-spread", "7")).hasMessageContaining("--time-spread");
    assertThatThrownBy(() -> LoadOptions.parse("--total", "-1")).hasMessageContaining("--total");
    assertThatThrownBy(() -> LoadOptions.parse("--probe-event", "Probe!")).hasMessageContaining("--probe-event");
    assertThatThrownBy(() -> LoadOptions.parse("--events", "50", "--probe-event", "feature7.used"))
        .hasMessageContaining("--probe-event feature7.used is one of the generated events");
    assertThatThrownBy(() -> LoadOptions.parse("--probe-event", "search.executed"))
        .hasMessageContaining("one of the generated events");
  }

  @Test
  void grpcProtocolsTargetTheGrpcListenerWithOneOrManyBatchesPerCall() {
    LoadOptions unary = LoadOptions.parse("--protocol", "grpc-unary");
    LoadOptions stream = LoadOptions.parse("--protocol", "grpc-stream", "--url", "http://127.0.0.1:9999/");

    assertThat(LoadOptions.parse().protocol()).isEqualTo(LoadOptions.Protocol.HTTP);
    assertThat(LoadOptions.parse().streamBatches()).isEqualTo(1);
    assertThat(unary.target()).isEqualTo("127.0.0.1:9090 pingstack.v1.IngestService/Ingest");
    assertThat(unary.streamBatches()).isEqualTo(1);
    assertThat(stream.target()).isEqualTo("127.0.0.1:9999 pingstack.v1.IngestService/IngestStream");
    assertThat(stream.streamBatches()).isEqualTo(LoadOptions.DEFAULT_STREAM_BATCHES);
    assertThat(LoadOptions.parse("--protocol", "grpc-stream", "--stream-batches", "7").streamBatches()).isEqualTo(7);
  }

  @Test
  void grpcOptionsThatCannotApplyAreRefusedByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "grpc")).hasMessageContaining("--protocol");
    assertThatThrownBy(() -> LoadOptions.parse("--stream-batches", "5")).hasMessageContaining("--stream-batches");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "grpc-unary", "--stream-batches", "5"))
        .hasMessageContaining("--stream-batches");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "grpc-stream", "--stream-batches", "0"))
        .hasMessageContaining("--stream-batches");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "grpc-unary", "--url", "http://127.0.0.1:9090/base"))
        .hasMessageContaining("takes no path");
  }

  @Test
  void clickhouseJsonInsertsIntoTheQualifiedTableOnClickHousesRoot() {
    LoadOptions options = LoadOptions.parse("--protocol", "clickhouse-json", "--table", "bench_1.pings");

    assertThat(options.url().toString()).isEqualTo("http://127.0.0.1:8123");
    assertThat(options.path()).isEqualTo("/?query=INSERT%20INTO%20bench_1.pings%20FORMAT%20JSONEachRow");
    assertThat(options.target()).isEqualTo("127.0.0.1:8123 INSERT INTO bench_1.pings FORMAT JSONEachRow");
    assertThat(LoadOptions.parse("--protocol", "clickhouse-json").table()).isEqualTo("pingstack.pings");
    assertThat(LoadOptions.parse().table()).isNull();
  }

  @Test
  void clickhouseJsonOptionsThatCannotApplyAreRefusedByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--table", "a.b")).hasMessageContaining("--table");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "clickhouse-json", "--table", "pings"))
        .hasMessageContaining("DATABASE.TABLE");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "clickhouse-json", "--table", "a.b; DROP TABLE a.b"))
        .hasMessageContaining("--table");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "clickhouse-json", "--url", "http://127.0.0.1:8123/x"))
        .hasMessageContaining("takes no path");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "clickhouse-json", "--token", "t"))
        .hasMessageContaining("--token");
  }

  @Test
  void httpBodiesAreProtobufUnlessAFormatIsGiven() {
    assertThat(LoadOptions.parse().format()).isEqualTo(LoadOptions.Format.PROTOBUF);
    assertThat(LoadOptions.parse().gzip()).isFalse();
    LoadOptions json = LoadOptions.parse("--format", "json", "--gzip");
    assertThat(json.format()).isEqualTo(LoadOptions.Format.JSON);
    assertThat(json.format().contentType()).isEqualTo("application/json");
    assertThat(json.gzip()).isTrue();
    assertThat(LoadOptions.parse("--gzip", "--format=ndjson").format().contentType()).isEqualTo("application/x-ndjson");
  }

  @Test
  void bodyOptionsAreRefusedOutsideHttpOrWithBadValues() {
    assertThatThrownBy(() -> LoadOptions.parse("--format", "xml")).hasMessageContaining("--format must be protobuf, json or ndjson");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "grpc-unary", "--format", "json"))
        .hasMessageContaining("--format is for --protocol http only");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "grpc-stream", "--gzip"))
        .hasMessageContaining("--gzip is for --protocol http only");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "clickhouse-json", "--format", "protobuf"))
        .hasMessageContaining("--format is for --protocol http only");
    assertThatThrownBy(() -> LoadOptions.parse("--gzip=yes")).hasMessageContaining("--gzip takes no value");
  }

  @Test
  void rateMakesTheLoopOpenAtThatManyRequestsPerSecond() {
    assertThat(LoadOptions.parse().openLoop()).isFalse();
    assertThat(LoadOptions.parse().rate()).isZero();
    assertThat(LoadOptions.parse("--rate", "2500").rate()).isEqualTo(2500);
    assertThat(LoadOptions.parse("--rate", "0.5").openLoop()).isTrue();
    assertThat(LoadOptions.parse("--protocol", "grpc-unary", "--rate", "100").rate()).isEqualTo(100);
    assertThat(LoadOptions.parse("--protocol", "clickhouse-json", "--rate", "100").rate()).isEqualTo(100);
  }

  @Test
  void ratesThatCannotApplyAreRefusedByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--rate", "0")).hasMessageContaining("--rate must be a positive number");
    assertThatThrownBy(() -> LoadOptions.parse("--rate", "-10")).hasMessageContaining("--rate must be a positive number");
    assertThatThrownBy(() -> LoadOptions.parse("--rate", "fast")).hasMessageContaining("--rate must be a number");
    assertThatThrownBy(() -> LoadOptions.parse("--rate", "NaN")).hasMessageContaining("--rate must be a finite number");
    assertThatThrownBy(() -> LoadOptions.parse("--rate", "1e9")).hasMessageContaining("--rate must be at most");
    assertThatThrownBy(() -> LoadOptions.parse("--protocol", "grpc-stream", "--rate", "10"))
        .hasMessageContaining("--rate is for http, grpc-unary and clickhouse-json");
  }

  @Test
  void outputFilesMustBeFilesInDirectoriesThatExist(@TempDir Path dir) {
    assertThat(LoadOptions.parse("--ledger", dir.resolve("l.tsv").toString()).ledger()).isEqualTo(dir.resolve("l.tsv"));
    assertThat(LoadOptions.parse().ledger()).isNull();
    assertThatThrownBy(() -> LoadOptions.parse("--ledger", dir.toString())).hasMessageContaining("--ledger is a directory");
    assertThatThrownBy(() -> LoadOptions.parse("--ledger", dir.resolve("no/l.tsv").toString()))
        .hasMessageContaining("--ledger is in a directory that does not exist");
    assertThatThrownBy(() -> LoadOptions.parse("--json-out", dir.resolve("no/r.json").toString()))
        .hasMessageContaining("--json-out is in a directory that does not exist");
    assertThatThrownBy(() -> LoadOptions.parse("--hgrm-out", dir.toString())).hasMessageContaining("--hgrm-out is a directory");
    assertThat(LoadOptions.parse("--hgrm-out", "latency.hgrm").hgrmOut()).isEqualTo(Path.of("latency.hgrm"));
  }

  @Test
  void badOptionsAreRefusedByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--bach", "1")).hasMessageContaining("--bach");
    assertThatThrownBy(() -> LoadOptions.parse("--batch", "0")).hasMessageContaining("--batch");
    assertThatThrownBy(() -> LoadOptions.parse("--duration", "x")).hasMessageContaining("--duration");
    assertThatThrownBy(() -> LoadOptions.parse("--url", "https://example.org")).hasMessageContaining("--url");
    assertThatThrownBy(() -> LoadOptions.parse("--seed", "1", "--seed", "2")).hasMessageContaining("twice");
  }
}
