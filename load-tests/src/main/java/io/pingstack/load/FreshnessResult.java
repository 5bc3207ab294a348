package io.pingstack.load;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

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
    errors = Reports.sortedErrors(errors);
  }

  boolean allVisible() {
    return visible == samples;
  }

  String summary() {
    return String.format(Locale.ROOT,
        "target        %s/v1/rollups, event %s, %d samples%n"
            + "visible       %d  (timed out %d; unexpected pings of the event %d; polls %d)%n"
            + "ack->visible  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms%n"
            + "errors        %s%n",
        Reports.withoutTrailingSlash(url), event, samples,
        visible, timedOut, unexpected, polls, p50Millis, p90Millis, p99Millis, maxMillis,
        Reports.errorText(errors));
  }

  void writeJson(Path file) {
    Reports.writeJson(file, json -> {
      json.writeStringField("url", url);
      json.writeStringField("event", event);
      json.writeNumberField("samples", samples);
      json.writeNumberField("visible", visible);
      json.writeNumberField("timed_out", timedOut);
      json.writeNumberField("unexpected", unexpected);
      json.writeNumberField("polls", polls);
      Reports.writePercentiles(json, "ack_to_visible_ms", p50Millis, p90Millis, p99Millis, maxMillis);
      Reports.writeErrors(json, errors);
    });
  }
}
