package io.pingstack.query;

import static io.pingstack.query.Params.badRequest;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.engine.clickhouse.RawPing;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/raw?instance_id=<id>&from=<time>&to=<time>[&limit=<n>]}: an instance's raw pings
 * with event times in {@code [from, to)}, oldest first, as ClickHouse stores them (with
 * {@code wal_position}, {@code received_at}, {@code ingest_node}); at most {@code limit} (default
 * 1,000, at most 10,000), {@code "truncated": true} when there are more. Times carry microseconds.
 * Without ClickHouse as the cold store: {@code 404 raw_unavailable}.
 */
final class RawEndpoint implements HttpEndpoint {
  static final String PATH = "/v1/raw";
  static final int DEFAULT_LIMIT = 1_000;
  static final int MAX_LIMIT = 10_000;
  private static final Set<String> SINGLE = Set.of("instance_id", "from", "to", "limit");

  private final ColdReads cold;

  RawEndpoint(ColdReads cold) {
    this.cold = cold;
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    if (cold == null) {
      throw new ApiException(HttpResponseStatus.NOT_FOUND, "raw_unavailable",
          "raw pings are served only with ClickHouse as the cold store (clickhouse.url); the embedded store's Arrow files"
              + " are read directly (README)");
    }
    Params params = Params.check(call.query(), SINGLE, Set.of(), PATH + " takes instance_id, from, to and limit");
    String instanceId = params.required("instance_id", "the instance's id");
    if (instanceId.isEmpty() || instanceId.length() > 128) {
      throw badRequest("invalid_parameter", "instance_id must be 1 to 128 characters");
    }
    Params.Range range = params.range();
    long from = range.from();
    long to = range.to();
    int limit = limit(params.optional("limit"));
    return cold.raw(instanceId, from * 1_000, to * 1_000, limit + 1).thenApply(pings -> {
      boolean truncated = pings.size() > limit;
      List<RawPing> shown = truncated ? pings.subList(0, limit) : pings;
      return JsonReply.ok(256 + 512 * shown.size(), g -> write(g, instanceId, from, to, shown, truncated));
    });
  }

  private static int limit(String text) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw badRequest("invalid_parameter", "limit must be a whole number from 1 to " + MAX_LIMIT);
  }

  private static void write(JsonGenerator g, String instanceId, long from, long to, List<RawPing> pings, boolean truncated)
      throws IOException {
    char[] time = new char[32];
    g.writeStartObject();
    g.writeStringField("instance_id", instanceId);
    g.writeFieldName("from");
    JsonReply.time(g, from, time);
    g.writeFieldName("to");
    JsonReply.time(g, to, time);
    g.writeBooleanField("truncated", truncated);
    g.writeArrayFieldStart("pings");
    for (RawPing ping : pings) {
      g.writeStartObject();
      g.writeStringField("ping_id", ping.pingId());
      g.writeStringField("instance_id", ping.instanceId());
      g.writeStringField("timestamp", micros(ping.timestampMicros()));
      g.writeStringField("event", ping.event());
      g.writeStringField("version", ping.version());
      g.writeStringField("deploy_type", ping.deployType());
      g.writeObjectFieldStart("metrics");
      for (Map.Entry<String, Double> metric : ping.metrics().entrySet()) {
        g.writeNumberField(metric.getKey(), metric.getValue());
      }
      g.writeEndObject();
      g.writeObjectFieldStart("dimensions");
      for (Map.Entry<String, String> dimension : ping.dimensions().entrySet()) {
        g.writeStringField(dimension.getKey(), dimension.getValue());
      }
      g.writeEndObject();
      g.writeFieldName("payload");
      if (ping.payload() == null) {
        g.writeNull();
      } else {
        // Stored as the client sent it, checked as a JSON object at ingest.
        g.writeRawValue(ping.payload());
      }
      g.writeNumberField("wal_position", ping.walPosition());
      g.writeStringField("received_at", micros(ping.receivedAtMicros()));
      g.writeStringField("ingest_node", ping.ingestNode());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static String micros(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000).toString();
  }
}
