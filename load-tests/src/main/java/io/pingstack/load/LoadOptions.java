package io.pingstack.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The settings of one load run, validated. {@code url} is the server's base URL; requests go to
 * {@code <url>/v1/pings}. {@code events} is 0 for the five product events, else the number of
 * feature events ({@link EventMix}); {@code timeSpread} is zero when pings are timestamped now;
 * {@code total} is 0 when the run ends after {@code duration}, else the number of acknowledged pings
 * (warmup included) after which it ends; {@code probeEvent} is the event name reserved for the
 * freshness probe, which the generator must never send.
 */
record LoadOptions(
    URI url,
    int batch,
    int connections,
    Duration duration,
    Duration warmup,
    int instances,
    long seed,
    String token,
    Path jsonOut,
    int events,
    Duration timeSpread,
    long total,
    String probeEvent) {

  static final String USAGE = String.join("\n",
      "usage: LoadMain [options]                 load POST /v1/pings (this text)",
      "       LoadMain query [options]           query latency benchmark (LoadMain query --help)",
      "       LoadMain freshness [options]       ack-to-visible probe (LoadMain freshness --help)",
      "       LoadMain describe [options]        prints the event mix of these options as JSON",
      "  --url URL           server base URL (default http://127.0.0.1:8080); requests go to <URL>/v1/pings",
      "  --batch N           pings per request, 1-10000 (default 100)",
      "  --connections C     keep-alive connections, each with one request in flight (default 8)",
      "  --duration S        measured seconds, decimals allowed (default 20; with --total: no limit)",
      "  --warmup S          seconds sent before measuring starts (default 5)",
      "  --instances N       distinct instance ids the pings come from (default 1000)",
      "  --seed N            seed for instances, events and metric values (default 1); ping ids are always fresh",
      "  --events N          N feature events feature1.used..featureN.used with Zipf shares, 1-" + EventMix.MAX_FEATURES,
      "                      (default: the five product events in equal shares)",
      "  --time-spread D     timestamps uniform over the last D (s, m, h or d: 7d; at most 29d) instead of now",
      "  --total N           ends after N acknowledged pings (warmup included) instead of after --duration;",
      "                      a --duration given as well still ends the run at that time",
      "  --probe-event NAME  event reserved for the freshness probe, never generated (default probe.freshness)",
      "  --token T           sends Authorization: Bearer T",
      "  --json-out FILE     also writes the summary as JSON to FILE",
      "  --help              prints this text",
      "SIGTERM or Ctrl-C ends the run early; the summary covers what was measured until then.");

  static final int MAX_BATCH = 10_000;
  static final int MAX_CONNECTIONS = 10_000;
  /** The server refuses pings older than its max age (30 days by default); a day is left for the run. */
  static final Duration MAX_TIME_SPREAD = Duration.ofDays(29);
  /** The time limit of a {@code --total} run without {@code --duration}: in practice none. */
  static final Duration NO_LIMIT = Duration.ofDays(1);
  static final String DEFAULT_PROBE_EVENT = "probe.freshness";

  private static final Set<String> NAMES = Set.of("--url", "--batch", "--connections", "--duration", "--warmup",
      "--instances", "--seed", "--token", "--json-out", "--events", "--time-spread", "--total", "--probe-event");

  LoadOptions {
    Args.requireRange("--batch", batch, 1, MAX_BATCH);
    Args.requireRange("--connections", connections, 1, MAX_CONNECTIONS);
    Args.requireRange("--instances", instances, 1, Integer.MAX_VALUE);
    Args.requireRange("--events", events, 0, EventMix.MAX_FEATURES);
    Args.requireRange("--total", total, 0, Long.MAX_VALUE);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive: " + duration);
    }
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must not be negative: " + warmup);
    }
    if (timeSpread.isNegative() || timeSpread.compareTo(MAX_TIME_SPREAD) > 0) {
      throw new IllegalArgumentException("--time-spread must be at most " + MAX_TIME_SPREAD.toDays()
          + "d, within the server's 30-day max age: " + timeSpread);
    }
    if (!EventMix.EVENT_NAME.matcher(probeEvent).matches()) {
      throw new IllegalArgumentException("--probe-event is not a valid event name: " + probeEvent);
    }
    if (EventMix.of(events, seed).hasEvent(probeEvent)) {
      throw new IllegalArgumentException("--probe-event " + probeEvent + " is one of the generated events");
    }
  }

  /** Parses {@code --name value} and {@code --name=value} pairs; unknown or repeated names are errors. */
  static LoadOptions parse(String... args) {
    Args a = Args.parse(args, NAMES, Set.of());
    long total = a.longValue("--total", 0);
    Duration duration = total > 0 && !a.has("--duration") ? NO_LIMIT : a.seconds("--duration", Duration.ofSeconds(20));
    String jsonOut = a.string("--json-out", null);
    return new LoadOptions(a.url("--url", URI.create("http://127.0.0.1:8080")), a.integer("--batch", 100),
        a.integer("--connections", 8), duration, a.seconds("--warmup", Duration.ofSeconds(5)),
        a.integer("--instances", 1000), a.longValue("--seed", 1), a.string("--token", null),
        jsonOut == null ? null : Path.of(jsonOut), a.integer("--events", 0),
        a.span("--time-spread", Duration.ZERO), total, a.string("--probe-event", DEFAULT_PROBE_EVENT));
  }

  /** The request path: the base URL's path (without a trailing slash) followed by {@code /v1/pings}. */
  String path() {
    return Args.under(url, "/v1/pings");
  }

  int port() {
    return Args.port(url);
  }

  EventMix mix() {
    return EventMix.of(events, seed);
  }
}
