package io.pingstack.gateway;

import io.pingstack.bench.BenchPings;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's intake of one {@code POST /v1/pings} body of 100 pings, as {@link IngestEndpoint}
 * runs it before the WAL: undo the {@code Content-Encoding} ({@link BodyDecoder}), decode and
 * validate ({@link PingIntake#decode}), admit (rate limit off, open ingest) and require a valid
 * ping. No network, no deduplication, no WAL. {@link #protobufToWalRecord} adds the encoding of the
 * WAL record that {@link IngestService} appends. Scores are per ping.
 *
 * <p>In the gateway's package because its intake is package-private. Not final: JMH subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(BenchPings.BATCH)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class DecodeBenchmark {
  private static final String REMOTE = "127.0.0.1";

  private GatewayConfig config;
  private PingIntake intake;
  private byte[] protobuf;
  private byte[] protobufGzip;
  private byte[] json;
  private byte[] ndjson;
  private WalRecord header;

  @Setup
  public void setup() throws IOException {
    config = GatewayConfig.defaults();
    // Decoding and admitting only: nothing is stored, so no IngestService.
    intake = new PingIntake(config, null, new InflightBudget(config.maxInflightBytes()), GatewayMetrics.NOOP);
    List<Ping> pings = new BenchPings(7, 5_000).pings(BenchPings.BATCH, System.currentTimeMillis(), TimeUnit.MINUTES.toMillis(10));
    protobuf = BenchPings.protobufBody(pings);
    protobufGzip = gzip(protobuf);
    json = BenchPings.jsonBody(pings);
    ndjson = BenchPings.ndjsonBody(pings);
    header = BenchPings.walRecord(List.of(), System.currentTimeMillis());
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  /** {@code application/x-protobuf}, no encoding: the load generator's request. */
  @Benchmark
  public DecodedBatch protobuf() {
    return intake(IngestEndpoint.Format.PROTOBUF, BodyDecoder.Encoding.IDENTITY, protobuf);
  }

  /** {@code application/x-protobuf} with {@code Content-Encoding: gzip}. */
  @Benchmark
  public DecodedBatch protobufGzip() {
    return intake(IngestEndpoint.Format.PROTOBUF, BodyDecoder.Encoding.GZIP, protobufGzip);
  }

  /** {@code application/json}: {@code {"pings": [...]}}. */
  @Benchmark
  public DecodedBatch json() {
    return intake(IngestEndpoint.Format.JSON, BodyDecoder.Encoding.IDENTITY, json);
  }

  /** {@code application/x-ndjson}: one ping per line. */
  @Benchmark
  public DecodedBatch ndjson() {
    return intake(IngestEndpoint.Format.NDJSON, BodyDecoder.Encoding.IDENTITY, ndjson);
  }

  /** The protobuf intake, then the WAL record of its pings ({@link DecodedBatch#encodeRecord}), as appended when none is a duplicate. */
  @Benchmark
  public byte[] protobufToWalRecord() {
    return protobuf().encodeRecord(header, null);
  }

  private DecodedBatch intake(IngestEndpoint.Format format, BodyDecoder.Encoding encoding, byte[] wire) {
    long receivedAt = System.currentTimeMillis();
    byte[] body = BodyDecoder.decode(encoding, wire, config.maxDecompressedBytes());
    DecodedBatch batch = intake.decode(format, body, receivedAt);
    intake.admit(batch, null, REMOTE);
    PingIntake.requireValid(batch);
    return batch;
  }

  /** Sizes of the four bodies, for the README: protobuf, gzip, JSON, NDJSON. */
  int[] bodySizes() {
    return new int[] {protobuf.length, protobufGzip.length, json.length, ndjson.length};
  }
}
