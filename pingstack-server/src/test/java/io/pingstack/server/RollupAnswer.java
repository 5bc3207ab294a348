package io.pingstack.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code GET /v1/rollups} answer as read by a dashboard (API.md section 3): per series group, per
 * bucket start (epoch millis), each aggregate's value, or null where the answer has {@code null}.
 * A group value of {@code null} reads as {@code ""}, the group of series without the property.
 */
record RollupAnswer(String event, String step, Map<Map<String, String>, TreeMap<Long, Map<String, Double>>> series) {
  private static final JsonFactory JSON = new JsonFactory();

  static RollupAnswer parse(String body) throws IOException {
    String event = null;
    String step = null;
    Map<Map<String, String>, TreeMap<Long, Map<String, Double>>> series = new HashMap<>();
    try (JsonParser p = JSON.createParser(body)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "event" -> event = p.getText();
          case "step" -> step = p.getText();
          case "series" -> {
            expect(p, value, JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              readSeries(p, series);
            }
          }
          default -> p.skipChildren();
        }
      }
    }
    return new RollupAnswer(event, step, series);
  }

  private static void readSeries(JsonParser p, Map<Map<String, String>, TreeMap<Long, Map<String, Double>>> series) throws IOException {
    Map<String, String> group = new LinkedHashMap<>();
    TreeMap<Long, Map<String, Double>> points = new TreeMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("group")) {
        expect(p, value, JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          group.put(key, p.nextToken() == JsonToken.VALUE_NULL ? "" : p.getText());
        }
      } else if (field.equals("points")) {
        expect(p, value, JsonToken.START_ARRAY);
        while (p.nextToken() == JsonToken.START_OBJECT) {
          readPoint(p, points);
        }
      } else {
        p.skipChildren();
      }
    }
    if (series.put(group, points) != null) {
      throw new IOException("the answer has two series for group " + group);
    }
  }

  private static void readPoint(JsonParser p, TreeMap<Long, Map<String, Double>> points) throws IOException {
    Long t = null;
    Map<String, Double> values = new HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("t")) {
        t = value == JsonToken.VALUE_STRING ? Instant.parse(p.getText()).toEpochMilli() : p.getLongValue();
      } else if (value == JsonToken.VALUE_NULL) {
        values.put(field, null);
      } else if (value.isNumeric()) {
        values.put(field, p.getDoubleValue());
      } else {
        throw new IOException("aggregate '" + field + "' is " + value + ", not a number or null");
      }
    }
    if (t == null) {
      throw new IOException("a point without \"t\": " + values);
    }
    if (points.put(t, values) != null) {
      throw new IOException("two points at " + Instant.ofEpochMilli(t));
    }
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + " but found " + actual + " at " + p.currentLocation());
    }
  }
}
