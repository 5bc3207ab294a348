package io.pingstack.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.Timestamp;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import io.pingstack.model.proto.WalRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Seeded, realistic pings for the benchmarks, shaped as the load generator's (load-tests'
 * {@code PingTemplates} and {@code EventMix.product()}): instances with a fixed version and deploy
 * type, the five product events in equal shares, each with 2-3 metrics and 1-2 dimensions, no
 * payload. The same seed gives the same pings, so every run measures the same bytes. Not
 * thread-safe; setup code only.
 */
public final class BenchPings {
  /** Pings per request, WAL record and Arrow record: the batch size of the ingest benchmarks. */
  public static final int BATCH = 100;
  /** The dimension keys the rollup benchmarks declare ({@code rollups.dimensions}). */
  public static final List<String> DECLARED_DIMENSIONS = List.of("client");
  /** The product event the query benchmarks ask about, and its metric. */
  public static final String QUERY_EVENT = "search.executed";
  public static final String QUERY_METRIC = "duration_ms";

  private static final String[] VERSIONS = {"5.3.0", "5.3.0", "5.3.0", "5.2.7", "5.2.7", "5.4.1", "5.1.9", "6.0.0"};
  private static final String[] DEPLOY_TYPES = {"kubernetes", "kubernetes", "docker-compose", "binary", "helm"};
  private static final JsonFactory JSON = new JsonFactory();

  private record Metric(String name, long min, long max) {}

  private record Dimension(String key, List<String> values) {}

  private record Shape(String event, List<Metric> metrics, List<Dimension> dimensions) {}

  private static final List<String> CLIENTS = List.of("web", "vscode", "jetbrains", "cli");
  private static final List<Shape> SHAPES = List.of(
      new Shape("search.executed", List.of(new Metric("duration_ms", 5, 3000), new Metric("results", 0, 500)),
          List.of(new Dimension("search_type", List.of("literal", "regexp")), new Dimension("client", CLIENTS))),
      new Shape("code_intel.hover", List.of(new Metric("latency_ms", 1, 800), new Metric("bytes", 64, 65536)),
          List.of(new Dimension("language", List.of("go", "java", "typescript", "python", "rust")))),
      new Shape("batch_changes.applied", List.of(new Metric("changesets", 1, 200),
          new Metric("duration_ms", 100, 60000), new Metric("errors", 0, 3)),
          List.of(new Dimension("code_host", List.of("github", "gitlab")))),
      new Shape("user.signed_in", List.of(new Metric("active_users", 1, 5000), new Metric("sessions", 1, 20)),
          List.of(new Dimension("auth_provider", List.of("saml", "builtin")))),
      new Shape("insights.viewed", List.of(new Metric("insights", 1, 40), new Metric("render_ms", 0, 900)),
          List.of(new Dimension("view", List.of("dashboard", "detail")), new Dimension("client", CLIENTS))));

  private final SplittableRandom random;
  private final Ping[] instances;
  private final String idPrefix;
  private long sequence;

  /** {@code instanceCount} instances drawn from {@code seed}. */
  public BenchPings(long seed, int instanceCount) {
    this.random = new SplittableRandom(seed);
    this.idPrefix = Long.toHexString(seed) + "-";
    this.instances = new Ping[instanceCount];
    for (int i = 0; i < instanceCount; i++) {
      instances[i] = Ping.newBuilder()
          .setInstanceId(new UUID(random.nextLong(), random.nextLong()).toString())
          .setVersion(VERSIONS[random.nextInt(VERSIONS.length)])
          .setDeployType(DEPLOY_TYPES[random.nextInt(DEPLOY_TYPES.length)])
          .build();
    }
  }

  /** {@code n} new pings (ids never repeat) with event times spread uniformly over {@code [toMillis - spreadMillis, toMillis)}. */
  public List<Ping> pings(int n, long toMillis, long spreadMillis) {
    List<Ping> pings = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      pings.add(ping(toMillis - 1 - (spreadMillis <= 1 ? 0 : random.nextLong(spreadMillis))));
    }
    return pings;
  }

  private Ping ping(long timestampMillis) {
    Shape shape = SHAPES.get(random.nextInt(SHAPES.size()));
    Ping.Builder ping = instances[random.nextInt(instances.length)].toBuilder()
        .setPingId(idPrefix + sequence++)
        .setTimestamp(Timestamp.newBuilder()
            .setSeconds(Math.floorDiv(timestampMillis, 1000))
            .setNanos(Math.floorMod(timestampMillis, 1000) * 1_000_000))
        .setEvent(shape.event());
    for (Metric m : shape.metrics()) {
      ping.putMetrics(m.name(), (double) random.nextLong(m.min(), m.max() + 1));
    }
    for (Dimension d : shape.dimensions()) {
      ping.putDimensions(d.key(), d.values().get(random.nextInt(d.values().size())));
    }
    return ping.build();
  }

  /** An {@code application/x-protobuf} request body: a {@code pingstack.v1.PingBatch}. */
  public static byte[] protobufBody(List<Ping> pings) {
    return PingBatch.newBuilder().addAllPings(pings).build().toByteArray();
  }

  /** An {@code application/json} request body, {@code {"pings": [...]}}, as API.md section 2 writes it. */
  public static byte[] jsonBody(List<Ping> pings) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(pings.size() * 320);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayFieldStart("pings");
      for (Ping ping : pings) {
        writeJson(g, ping);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** An {@code application/x-ndjson} request body: one ping object per line. */
  public static byte[] ndjsonBody(List<Ping> pings) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(pings.size() * 320);
    for (Ping ping : pings) {
      try (JsonGenerator g = JSON.createGenerator(out)) {
        writeJson(g, ping);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.write('\n');
    }
    return out.toByteArray();
  }

  private static void writeJson(JsonGenerator g, Ping ping) throws IOException {
    g.writeStartObject();
    g.writeStringField("ping_id", ping.getPingId());
    g.writeStringField("instance_id", ping.getInstanceId());
    g.writeStringField("timestamp", Instant.ofEpochSecond(ping.getTimestamp().getSeconds(), ping.getTimestamp().getNanos()).toString());
    g.writeStringField("event", ping.getEvent());
    g.writeStringField("version", ping.getVersion());
    g.writeStringField("deploy_type", ping.getDeployType());
    g.writeObjectFieldStart("metrics");
    for (Map.Entry<String, Double> m : ping.getMetricsMap().entrySet()) {
      g.writeNumberField(m.getKey(), m.getValue());
    }
    g.writeEndObject();
    g.writeObjectFieldStart("dimensions");
    for (Map.Entry<String, String> d : ping.getDimensionsMap().entrySet()) {
      g.writeStringField(d.getKey(), d.getValue());
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  /** A {@code pingstack.v1.WalRecord} as the gateway logs an accepted request of {@code pings}. */
  public static WalRecord walRecord(List<Ping> pings, long receivedAtMillis) {
    return WalRecord.newBuilder()
        .setReceivedAtMicros(TimeUnit.MILLISECONDS.toMicros(receivedAtMillis))
        .setIngestNode("bench-node")
        .setPrincipal("anonymous")
        .addAllPings(pings)
        .build();
  }
}
