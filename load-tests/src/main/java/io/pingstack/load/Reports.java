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
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/** The pieces that every result's summary and JSON file write the same way. */
final class Reports {
  /** Writes the fields of one JSON object. */
  interface Fields {
    void write(JsonGenerator json) throws IOException;
  }

  private Reports() {}

  /** An unmodifiable copy of {@code errors}, sorted by kind. */
  static Map<String, Long> sortedErrors(Map<String, Long> errors) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(errors));
  }

  /** {@code kind=count} pairs separated by spaces, or {@code none}. */
  static String errorText(Map<String, Long> errors) {
    StringJoiner text = new StringJoiner(" ").setEmptyValue("none");
    errors.forEach((kind, n) -> text.add(kind + "=" + n));
    return text.toString();
  }

  /** {@code url} without its trailing slash, if any, so that a path can follow it. */
  static String withoutTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** A latency recorded in microseconds (as every histogram here is), in milliseconds. */
  static double millis(long micros) {
    return micros / 1000.0;
  }

  /** Writes {@code file}: one pretty-printed JSON object holding {@code fields}, then a newline. */
  static void writeJson(Path file, Fields fields) {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        JsonGenerator json = new JsonFactory().createGenerator(out)) {
      json.useDefaultPrettyPrinter();
      json.writeStartObject();
      fields.write(json);
      json.writeEndObject();
      json.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code field} as an object of the percentiles {@code p50}, {@code p90}, {@code p99} and
   * {@code max}, each as given: a {@code Long} as a whole number, anything else as a double.
   */
  static void writePercentiles(JsonGenerator json, String field, Number p50, Number p90, Number p99, Number max)
      throws IOException {
    json.writeObjectFieldStart(field);
    writeNumber(json, "p50", p50);
    writeNumber(json, "p90", p90);
    writeNumber(json, "p99", p99);
    writeNumber(json, "max", max);
    json.writeEndObject();
  }

  /** Writes {@code errors} as the object field {@code errors}: one count per kind. */
  static void writeErrors(JsonGenerator json, Map<String, Long> errors) throws IOException {
    json.writeObjectFieldStart("errors");
    for (Map.Entry<String, Long> e : errors.entrySet()) {
      json.writeNumberField(e.getKey(), e.getValue());
    }
    json.writeEndObject();
  }

  private static void writeNumber(JsonGenerator json, String name, Number value) throws IOException {
    if (value instanceof Long whole) {
      json.writeNumberField(name, whole.longValue());
    } else {
      json.writeNumberField(name, value.doubleValue());
    }
  }
}
