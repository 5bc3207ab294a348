package io.pingstack.model;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Test fixture for pings, shipped in this module's test-jar. {@code TestPings.ping("inst-1", "p-1").at(T0).build()}
 * is a valid {@code search.executed} ping; {@link #json(Ping)}, {@link #jsonBody}, {@link #ndjsonBody} and
 * {@link #protoBody} render the same pings as the bodies of the three ingest content types.
 *
 * <p>The builder accepts invalid values on purpose, so tests can build the pings they expect to be refused.
 */
public final class TestPings {
  /** A fixed instant for tests that must not depend on the clock. */
  public static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  private TestPings() {}

  /** A valid ping of {@code instanceId} with a fresh random ping id, timestamped now. */
  public static Builder search(String instanceId) {
    return ping(instanceId, UUID.randomUUID().toString());
  }

  /** A valid ping: event {@code search.executed}, version 5.3.0, deploy type docker-compose, timestamped now. */
  public static Builder ping(String instanceId, String pingId) {
    return new Builder(instanceId, pingId);
  }

  /** Builds one ping; every setter replaces the previous value. */
  public static final class Builder {
    private final Ping.Builder ping;

    private Builder(String instanceId, String pingId) {
      ping = Ping.newBuilder()
          .setPingId(pingId)
          .setInstanceId(instanceId)
          .setEvent("search.executed")
          .setVersion("5.3.0")
          .setDeployType("docker-compose");
      at(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    public Builder event(String event) {
      ping.setEvent(event);
      return this;
    }

    public Builder at(Instant timestamp) {
      ping.setTimestamp(Timestamp.newBuilder().setSeconds(timestamp.getEpochSecond()).setNanos(timestamp.getNano()));
      return this;
    }

    public Builder version(String version) {
      ping.setVersion(version);
      return this;
    }

    public Builder deployType(String deployType) {
      ping.setDeployType(deployType);
      return this;
    }

    public Builder metric(String name, double value) {
      ping.putMetrics(name, value);
      return this;
    }

    public Builder dimension(String key, String value) {
      ping.putDimensions(key, value);
      return this;
    }

    /** The payload as JSON text, kept and rendered verbatim. */
    public Builder payload(String json) {
      ping.setPayload(json);
      return this;
    }

    public Ping build() {
      return ping.build();
    }

    /** The ping as one JSON object; see {@link TestPings#json(Ping)}. */
    public String json() {
      return TestPings.json(build());
    }
  }

  /**
   * The ping as one JSON object the way a client sends it: snake_case fields, the timestamp in RFC 3339 (UTC),
   * the payload inlined verbatim. Empty strings, empty maps and an absent timestamp are left out. A non-finite
   * metric is rendered as a bare {@code NaN} or {@code Infinity}, which is not JSON, as a careless client would.
   */
  public static String json(Ping ping) {
    StringJoiner fields = new StringJoiner(",", "{", "}");
    addString(fields, "ping_id", ping.getPingId());
    addString(fields, "instance_id", ping.getInstanceId());
    if (ping.hasTimestamp()) {
      Timestamp t = ping.getTimestamp();
      addString(fields, "timestamp", Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString());
    }
    addString(fields, "event", ping.getEvent());
    addString(fields, "version", ping.getVersion());
    addString(fields, "deploy_type", ping.getDeployType());
    if (ping.getMetricsCount() > 0) {
      fields.add(quote("metrics") + ":" + object(ping.getMetricsMap(), String::valueOf));
    }
    if (ping.getDimensionsCount() > 0) {
      fields.add(quote("dimensions") + ":" + object(ping.getDimensionsMap(), TestPings::quote));
    }
    if (!ping.getPayload().isEmpty()) {
      fields.add(quote("payload") + ":" + ping.getPayload());
    }
    return fields.toString();
  }

  /** An {@code application/json} body: {@code {"pings":[...]}}. */
  public static byte[] jsonBody(Ping... pings) {
    return utf8(Arrays.stream(pings).map(TestPings::json).collect(Collectors.joining(",", "{\"pings\":[", "]}")));
  }

  /** An {@code application/x-ndjson} body: one ping per line, each line ending in {@code \n}. */
  public static byte[] ndjsonBody(Ping... pings) {
    return utf8(Arrays.stream(pings).map(p -> json(p) + "\n").collect(Collectors.joining()));
  }

  /** Writes protobuf fields by hand, for {@link #encoded}. */
  @FunctionalInterface
  public interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  /** The bytes {@code fields} writes: encodings protobuf's builders never produce (fields twice, odd orders, padding). */
  public static byte[] encoded(Fields fields) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    fields.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  /** An {@code application/x-protobuf} body: a {@link PingBatch}. */
  public static byte[] protoBody(Ping... pings) {
    return PingBatch.newBuilder().addAllPings(Arrays.asList(pings)).build().toByteArray();
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code s} as a JSON string literal, quotes included. */
  public static String quote(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  private static void addString(StringJoiner fields, String name, String value) {
    if (!value.isEmpty()) {
      fields.add(quote(name) + ":" + quote(value));
    }
  }

  private static <V> String object(Map<String, V> map, Function<V, String> values) {
    return map.entrySet().stream()
        .map(e -> quote(e.getKey()) + ":" + values.apply(e.getValue()))
        .collect(Collectors.joining(",", "{", "}"));
  }
}
