package io.pingstack.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a freshness probe saw. {@code visible} samples have a delay (ack to the first poll that
 * showed their ping) in the percentiles; {@code timedOut} did not show within the timeout;
 * {@code errors} counts samples whose ping was not acknowledged, by status or kind;
 * {@code unexpected} counts pings of the probe's event that the probe did not send (another sender
 * of the event makes the figures meaningless); {@code polls} counts count queries.
 */
record FreshnessResult(
    String url,
    String event,
    int samples,
    long visible,
    long timedOut,
    long unexpected,
    long polls,
    double p50Millis,
    double p90Millis,
    double p99Millis,
    double maxMillis,
    Map<String, Long> errors) {

  FreshnessResult {
    errors = Collections.unmodifiableSortedMap(new TreeMap<>(errors));
  }

  boolean allVisible() {
    return visible == samples;
  }

  String summary() {
    StringBuilder errorText = new StringBuilder();
    errors.forEach((kind, n) -> errorText.append(' ').append(kind).append('=').append(n));
    return String.format(Locale.ROOT,
        "target        %s/v1/rollups, event %s, %d samples%n"
            + "visible       %d  (timed out %d; unexpected pings of the event %d; polls %d)%n"
            + "ack->visible  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms%n"
            + "errors       %s%n",
        url.endsWith("/") ? url.substring(0, url.length() - 1) : url, event, samples,
        visible, timedOut, unexpected, polls, p50Millis, p90Millis, p99Millis, maxMillis,
        errorText.length() == 0 ? " none" : errorText);
  }

  void writeJson(Path file) {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        JsonGenerator json = new JsonFactory().createGenerator(out)) {
      json.useDefaultPrettyPrinter();
      json.writeStartObject();
      json.writeStringField("url", url);
      json.writeStringField("event", event);
      json.writeNumberField("samples", samples);
      json.writeNumberField("visible", visible);
      json.writeNumberField("timed_out", timedOut);
      json.writeNumberField("unexpected", unexpected);
      json.writeNumberField("polls", polls);
      json.writeObjectFieldStart("ack_to_visible_ms");
      json.writeNumberField("p50", p50Millis);
      json.writeNumberField("p90", p90Millis);
      json.writeNumberField("p99", p99Millis);
      json.writeNumberField("max", maxMillis);
      json.writeEndObject();
      json.writeObjectFieldStart("errors");
      for (Map.Entry<String, Long> e : errors.entrySet()) {
        json.writeNumberField(e.getKey(), e.getValue());
      }
      json.writeEndObject();
      json.writeEndObject();
      json.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
