package io.pingstack.query;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.ApiException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The query parameters of one call, checked against the names its endpoint takes. An empty value
 * ({@code ?fill=} or {@code ?fill}) counts as absent. Messages name the parameter and what it
 * takes, never the value given, nor a parameter name that is not one of ours.
 */
final class Params {
  private final Map<String, List<String>> query;

  private Params(Map<String, List<String>> query) {
    this.query = query;
  }

  /**
   * Refuses a name outside {@code single} and {@code repeatable} ({@code unknown_parameter}) and a
   * {@code single} one given twice ({@code repeated_parameter}).
   */
  static Params check(Map<String, List<String>> query, Set<String> single, Set<String> repeatable, String takes) {
    for (Map.Entry<String, List<String>> e : query.entrySet()) {
      String name = e.getKey();
      if (single.contains(name)) {
        if (e.getValue().size() > 1) {
          throw badRequest("repeated_parameter", name + " may be given only once");
        }
      } else if (!repeatable.contains(name)) {
        throw badRequest("unknown_parameter", "unknown query parameter; " + takes);
      }
    }
    return new Params(query);
  }

  /** The value of {@code name}, or null when absent or empty. */
  String optional(String name) {
    List<String> values = query.get(name);
    if (values == null || values.isEmpty() || values.get(0).isEmpty()) {
      return null;
    }
    return values.get(0);
  }

  /** The value of {@code name}; {@code missing_parameter} when absent or empty. */
  String required(String name, String expected) {
    String value = optional(name);
    if (value == null) {
      throw badRequest("missing_parameter", name + " is required: " + expected);
    }
    return value;
  }

  /** Every non-empty value of a repeatable parameter, in the order given. */
  List<String> all(String name) {
    List<String> values = query.get(name);
    if (values == null) {
      return List.of();
    }
    return values.stream().filter(v -> !v.isEmpty()).toList();
  }

  /** Epoch millis of a time parameter; {@code invalid_time} when it is not one. */
  long time(String name, String value) {
    long millis = Times.parse(value);
    if (millis < 0) {
      throw badRequest("invalid_time", name
          + " must be an RFC 3339 time such as 2026-11-21T10:00:00Z (an offset and a fraction are allowed)"
          + " or epoch milliseconds, between 1970 and 9999");
    }
    return millis;
  }

  /** {@code from} and {@code to} in epoch millis, both required, {@code to} exclusive and later. */
  record Range(long from, long to) {}

  Range range() {
    String timeForm = "an RFC 3339 time or epoch milliseconds";
    long from = time("from", required("from", timeForm));
    long to = time("to", required("to", timeForm));
    if (to <= from) {
      throw badRequest("invalid_range", "to must be later than from (to is exclusive)");
    }
    return new Range(from, to);
  }

  static ApiException badRequest(String code, String message) {
    return new ApiException(HttpResponseStatus.BAD_REQUEST, code, message);
  }
}
