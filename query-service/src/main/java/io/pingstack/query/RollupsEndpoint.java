package io.pingstack.query;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import io.pingstack.rollups.Agg;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.RollupQuery;
import io.pingstack.rollups.RollupQueryException;
import io.pingstack.rollups.RollupReader;
import io.pingstack.rollups.RollupResult;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/rollups} (API.md section 3): parameters to a {@link RollupQuery}, the reader's
 * answer to JSON. {@code from}/{@code to} in the answer are the aligned range; {@code t} is a bucket
 * start; count and distinct_instances are JSON integers, the others numbers; a value the bucket
 * does not have (NaN) is {@code null}. Series keep the reader's order. A range that starts before
 * the hot retention of its step is answered from the ClickHouse cold store when there is one.
 */
final class RollupsEndpoint implements HttpEndpoint {
  static final String PATH = "/v1/rollups";
  private static final SerializableString T = new SerializedString("t");
  private static final SerializableString[] AGG_NAMES = aggNames();

  private final RollupReader reader;
  private final ColdReads cold;
  private final int maxSeries;

  /** {@code cold}: answers ranges older than the hot retention of their step; null when there is no ClickHouse. */
  RollupsEndpoint(RollupReader reader, ColdReads cold, int maxSeries) {
    this.reader = reader;
    this.cold = cold;
    this.maxSeries = maxSeries;
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    RollupQuery query = RollupParams.parse(call.query(), reader.declaredDimensions());
    RollupResult result;
    try {
      result = reader.read(query);
    } catch (RollupQueryException e) {
      throw Params.badRequest(e.code(), e.getMessage());
    }
    if (cold != null && query.fromMillis() < System.currentTimeMillis() - reader.retentionMillis(query.step())) {
      // Older than the hot cells go back: the whole range from the raw pings, so no bucket is half hot, half cold.
      return cold.rollups(query, result).thenApply(answer -> reply(query, answer));
    }
    return CompletableFuture.completedFuture(reply(query, result));
  }

  private HttpReply reply(RollupQuery query, RollupResult result) {
    // The reader has built the series by now; refusing still keeps an oversized answer off the wire.
    if (result.series().size() > maxSeries) {
      throw Params.badRequest("too_many_series", "the answer would hold more than " + maxSeries
          + " series; narrow it with filter or group by fewer fields");
    }
    return JsonReply.ok(sizeHint(query, result), g -> write(g, query, result));
  }

  private static int sizeHint(RollupQuery query, RollupResult result) {
    long points = 0;
    for (RollupResult.Series s : result.series()) {
      points += s.points().size();
    }
    long bytes = 160 + 64L * result.series().size() + points * (36 + 24L * query.aggs().size());
    return (int) Math.min(bytes, 1 << 20);
  }

  static void write(JsonGenerator g, RollupQuery query, RollupResult result) throws IOException {
    char[] time = new char[32];
    List<Agg> aggs = query.aggs();
    int n = aggs.size();
    SerializableString[] names = new SerializableString[n];
    boolean[] integral = new boolean[n];
    for (int i = 0; i < n; i++) {
      names[i] = AGG_NAMES[aggs.get(i).ordinal()];
      integral[i] = aggs.get(i).integral();
    }
    String[] labels = query.groupBy().stream().map(Field::label).toArray(String[]::new);

    g.writeStartObject();
    g.writeStringField("event", query.event());
    g.writeStringField("step", query.step().code());
    g.writeFieldName("from");
    JsonReply.time(g, result.fromMillis(), time);
    g.writeFieldName("to");
    JsonReply.time(g, result.toMillis(), time);
    g.writeArrayFieldStart("series");
    for (RollupResult.Series series : result.series()) {
      g.writeStartObject();
      g.writeObjectFieldStart("group");
      for (String label : labels) {
        g.writeStringField(label, series.group().getOrDefault(label, ""));
      }
      g.writeEndObject();
      g.writeArrayFieldStart("points");
      for (RollupResult.Point point : series.points()) {
        double[] values = point.values();
        if (values.length != n) {
          throw new IllegalStateException("rollup reader answered a point with " + values.length
              + " values for " + n + " aggregates");
        }
        g.writeStartObject();
        g.writeFieldName(T);
        JsonReply.time(g, point.tMillis(), time);
        for (int i = 0; i < n; i++) {
          g.writeFieldName(names[i]);
          writeValue(g, values[i], integral[i]);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeValue(JsonGenerator g, double value, boolean integral) throws IOException {
    if (!Double.isFinite(value)) {
      g.writeNull();
    } else if (integral) {
      g.writeNumber(Math.round(value));
    } else {
      g.writeNumber(value);
    }
  }

  private static SerializableString[] aggNames() {
    Agg[] all = Agg.values();
    SerializableString[] names = new SerializableString[all.length];
    for (Agg agg : all) {
      names[agg.ordinal()] = new SerializedString(agg.code());
    }
    return names;
  }
}
