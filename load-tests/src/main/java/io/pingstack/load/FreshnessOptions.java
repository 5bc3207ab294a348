package io.pingstack.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The settings of one freshness probe, validated: {@code samples} pings of {@code event} from
 * {@code instanceId}, each followed by polls of its minute's count for at most {@code timeout}, with
 * a random pause of up to {@code pause} before the next (so that samples do not lock onto the
 * phase of a periodic consumer).
 */
record FreshnessOptions(
    URI url,
    int samples,
    String event,
    String instanceId,
    Duration timeout,
    Duration pause,
    String token,
    String queryToken,
    Path jsonOut) {

  static final String USAGE = String.join("\n",
      "usage: LoadMain freshness [options]",
      "  --url URL           server base URL (default http://127.0.0.1:8080)",
      "  --samples N         pings to time, one at a time (default 100)",
      "  --event NAME        the probe's event, which nothing else may send (default " + LoadOptions.DEFAULT_PROBE_EVENT + ")",
      "  --instance-id ID    the probe's instance id (default freshness-probe)",
      "  --timeout S         longest wait for one ping to become visible (default 10)",
      "  --pause S           random pause of up to S between samples (default 0.2)",
      "  --token T           ingest token (Authorization: Bearer T on POST /v1/pings)",
      "  --query-token T     query token (Authorization: Bearer T on GET /v1/rollups)",
      "  --json-out FILE     also writes the results as JSON to FILE",
      "Each sample: POST one ping timestamped now; on its 200 (ack), poll",
      "GET /v1/rollups?event=E&from=<its minute>&to=<minute + 1>&step=1m&agg=count back to back until",
      "the count reaches the minute's count before the probe plus the probe's acknowledged pings in it;",
      "visible - ack goes into the histogram. Exit status 0 only when every sample became visible.");

  private static final Set<String> NAMES = Set.of("--url", "--samples", "--event", "--instance-id", "--timeout",
      "--pause", "--token", "--query-token", "--json-out");

  FreshnessOptions {
    Args.requireRange("--samples", samples, 1, 1_000_000);
    if (!EventMix.EVENT_NAME.matcher(event).matches()) {
      throw new IllegalArgumentException("--event is not a valid event name: " + event);
    }
    if (instanceId.isEmpty() || instanceId.length() > 128) {
      throw new IllegalArgumentException("--instance-id must have 1-128 characters: " + instanceId);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be positive: " + timeout);
    }
    if (pause.isNegative()) {
      throw new IllegalArgumentException("--pause must not be negative: " + pause);
    }
  }

  static FreshnessOptions parse(String... args) {
    Args a = Args.parse(args, NAMES, Set.of());
    String jsonOut = a.string("--json-out", null);
    return new FreshnessOptions(a.url("--url", URI.create("http://127.0.0.1:8080")), a.integer("--samples", 100),
        a.string("--event", LoadOptions.DEFAULT_PROBE_EVENT), a.string("--instance-id", "freshness-probe"),
        a.seconds("--timeout", Duration.ofSeconds(10)), a.seconds("--pause", Duration.ofMillis(200)),
        a.string("--token", null), a.string("--query-token", null), jsonOut == null ? null : Path.of(jsonOut));
  }
}
