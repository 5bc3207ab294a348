package io.pingstack.query;

import com.fasterxml.jackson.core.JsonGenerator;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import io.pingstack.rollups.EventSummary;
import io.pingstack.rollups.RollupReader;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/events}: every event seen, with {@code count}, {@code first_seen}, {@code last_seen},
 * the metric and dimension keys seen, and {@code capped_pings} (counted but kept out of the cells by
 * the series cap). Takes no parameters.
 */
final class EventsEndpoint implements HttpEndpoint {
  static final String PATH = "/v1/events";

  private final RollupReader reader;

  EventsEndpoint(RollupReader reader) {
    this.reader = reader;
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    Params.check(call.query(), Set.of(), Set.of(), PATH + " takes no parameters");
    List<EventSummary> events = reader.events();
    return CompletableFuture.completedFuture(JsonReply.ok(64 + 256 * events.size(), g -> write(g, events)));
  }

  private static void write(JsonGenerator g, List<EventSummary> events) throws IOException {
    char[] time = new char[32];
    g.writeStartObject();
    g.writeArrayFieldStart("events");
    for (EventSummary e : events) {
      g.writeStartObject();
      g.writeStringField("event", e.event());
      g.writeNumberField("count", e.count());
      g.writeFieldName("first_seen");
      JsonReply.time(g, e.firstSeenMillis(), time);
      g.writeFieldName("last_seen");
      JsonReply.time(g, e.lastSeenMillis(), time);
      g.writeArrayFieldStart("metrics");
      for (String metric : e.metrics()) {
        g.writeString(metric);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("dimensions");
      for (String dimension : e.dimensions()) {
        g.writeString(dimension);
      }
      g.writeEndArray();
      g.writeNumberField("capped_pings", e.cappedPings());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }
}
