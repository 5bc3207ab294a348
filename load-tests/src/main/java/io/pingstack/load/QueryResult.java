package io.pingstack.load;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one query benchmark's measured window (warmup excluded), per query. Latencies are
 * of 200 answers only, in microseconds, from the write of the request to the last byte of the
 * answer; {@code errors} counts the other answers by status, and failures by kind ({@code connect},
 * {@code closed}); {@code meanBytes} is the mean body size of the 200 answers (an empty answer is a
 * cheap one: check that the queries found data).
 */
record QueryResult(String url, int connections, double measuredSeconds, int unanswered, List<PerQuery> queries) {

  record PerQuery(
      String name,
      String target,
      long requests,
      long p50Micros,
      long p90Micros,
      long p99Micros,
      long maxMicros,
      long meanBytes,
      Map<String, Long> errors) {

    PerQuery {
      errors = Reports.sortedErrors(errors);
    }
  }

  QueryResult {
    queries = List.copyOf(queries);
  }

  double perSecond(long count) {
    return measuredSeconds > 0 ? count / measuredSeconds : 0;
  }

  /** The table printed at the end of a run. */
  String summary() {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "target    %s, %d connections, measured %.1f s, unanswered at the end %d%n", url, connections,
        measuredSeconds, unanswered));
    int width = Math.max(5, queries.stream().mapToInt(q -> q.name().length()).max().orElse(5));
    out.append(String.format(Locale.ROOT, "%-" + width + "s %9s %9s %9s %9s %9s %9s %9s  %s%n",
        "query", "requests", "req/s", "p50 µs", "p90 µs", "p99 µs", "max µs", "bytes", "errors"));
    for (PerQuery q : queries) {
      out.append(String.format(Locale.ROOT, "%-" + width + "s %9d %9.1f %9d %9d %9d %9d %9d  %s%n", q.name(),
          q.requests(), perSecond(q.requests()), q.p50Micros(), q.p90Micros(), q.p99Micros(), q.maxMicros(),
          q.meanBytes(), Reports.errorText(q.errors())));
    }
    return out.toString();
  }

  /** Writes the same figures as {@link #summary()} as one JSON object. */
  void writeJson(Path file) {
    Reports.writeJson(file, json -> {
      json.writeStringField("url", url);
      json.writeNumberField("connections", connections);
      json.writeNumberField("measured_s", Math.round(measuredSeconds * 1000) / 1000.0);
      json.writeNumberField("unanswered", unanswered);
      json.writeArrayFieldStart("queries");
      for (PerQuery q : queries) {
        json.writeStartObject();
        json.writeStringField("name", q.name());
        json.writeStringField("target", q.target());
        json.writeNumberField("requests", q.requests());
        json.writeNumberField("requests_per_s", Math.round(perSecond(q.requests()) * 10) / 10.0);
        Reports.writePercentiles(json, "latency_us", q.p50Micros(), q.p90Micros(), q.p99Micros(), q.maxMicros());
        json.writeNumberField("mean_bytes", q.meanBytes());
        Reports.writeErrors(json, q.errors());
        json.writeEndObject();
      }
      json.writeEndArray();
    });
  }
}
