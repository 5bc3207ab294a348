package io.pingstack.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The settings of one load run, validated. {@code protocol} is how pings are sent; for {@code http},
 * {@code url} is the server's base URL and requests go to {@code <url>/v1/pings}; for the gRPC
 * protocols it is the gRPC listener, {@code http://host:port} without a path (plaintext h2c).
 * {@code streamBatches} is the number of batches each {@code grpc-stream} call carries (1 for the
 * other protocols: one batch per request or call). {@code events} is 0 for the five product events, else the number of
 * feature events ({@link EventMix}); {@code timeSpread} is zero when pings are timestamped now;
 * {@code total} is 0 when the run ends after {@code duration}, else the number of acknowledged pings
 * (warmup included) after which it ends; {@code probeEvent} is the event name reserved for the
 * freshness probe, which the generator must never send.
 */
record LoadOptions(
    Protocol protocol,
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
    String probeEvent,
    int streamBatches) {

  /** How pings are sent, as {@code --protocol} names it. */
  enum Protocol {
    /** {@code POST /v1/pings} over HTTP/1.1 keep-alive, protobuf both ways. */
    HTTP("http"),
    /** {@code pingstack.v1.IngestService/Ingest}: one batch per call. */
    GRPC_UNARY("grpc-unary"),
    /** {@code pingstack.v1.IngestService/IngestStream}: {@code --stream-batches} batches per call. */
    GRPC_STREAM("grpc-stream");

    private final String flag;

    Protocol(String flag) {
      this.flag = flag;
    }

    String flag() {
      return flag;
    }

    static Protocol of(String flag) {
      for (Protocol p : values()) {
        if (p.flag.equals(flag)) {
          return p;
        }
      }
      throw new IllegalArgumentException("--protocol must be http, grpc-unary or grpc-stream: " + flag);
    }
  }

  static final String USAGE = String.join("\n",
      "usage: LoadMain [options]                 load POST /v1/pings (this text)",
      "       LoadMain query [options]           query latency benchmark (LoadMain query --help)",
      "       LoadMain freshness [options]       ack-to-visible probe (LoadMain freshness --help)",
      "       LoadMain describe [options]        prints the event mix of these options as JSON",
      "  --protocol P        http: POST /v1/pings over HTTP/1.1 (default); grpc-unary: pingstack.v1.IngestService/Ingest,",
      "                      one batch per call; grpc-stream: IngestService/IngestStream, --stream-batches batches per call",
      "  --url URL           http: server base URL (default http://127.0.0.1:8080); requests go to <URL>/v1/pings",
      "                      grpc-*: the gRPC listener, http://HOST:PORT without a path, plaintext h2c",
      "                      (default http://127.0.0.1:9090)",
      "  --batch N           pings per request (gRPC: per message), 1-10000 (default 100)",
      "  --connections C     keep-alive connections (gRPC: channels, each its own connection), each with one",
      "                      request or call in flight (default 8)",
      "  --stream-batches N  grpc-stream only: batches per call; the call then half-closes and waits for its",
      "                      one response before the next starts (default 100; latency is per call)",
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
  static final int MAX_STREAM_BATCHES = 1_000_000;
  static final int DEFAULT_STREAM_BATCHES = 100;
  /** The server refuses pings older than its max age (30 days by default); a day is left for the run. */
  static final Duration MAX_TIME_SPREAD = Duration.ofDays(29);
  /** The time limit of a {@code --total} run without {@code --duration}: in practice none. */
  static final Duration NO_LIMIT = Duration.ofDays(1);
  static final String DEFAULT_PROBE_EVENT = "probe.freshness";

  private static final Set<String> NAMES = Set.of("--url", "--batch", "--connections", "--duration", "--warmup",
      "--instances", "--seed", "--token", "--json-out", "--events", "--time-spread", "--total", "--probe-event",
      "--protocol", "--stream-batches");

  LoadOptions {
    Args.requireRange("--batch", batch, 1, MAX_BATCH);
    Args.requireRange("--stream-batches", streamBatches, 1, protocol == Protocol.GRPC_STREAM ? MAX_STREAM_BATCHES : 1);
    if (protocol != Protocol.HTTP && !Args.under(url, "").isEmpty()) {
      throw new IllegalArgumentException("--url of a gRPC listener takes no path: " + url);
    }
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
    Protocol protocol = Protocol.of(a.string("--protocol", Protocol.HTTP.flag()));
    if (protocol != Protocol.GRPC_STREAM && a.has("--stream-batches")) {
      throw new IllegalArgumentException("--stream-batches is for --protocol grpc-stream only");
    }
    URI defaultUrl = URI.create(protocol == Protocol.HTTP ? "http://127.0.0.1:8080" : "http://127.0.0.1:9090");
    long total = a.longValue("--total", 0);
    Duration duration = total > 0 && !a.has("--duration") ? NO_LIMIT : a.seconds("--duration", Duration.ofSeconds(20));
    String jsonOut = a.string("--json-out", null);
    return new LoadOptions(protocol, a.url("--url", defaultUrl), a.integer("--batch", 100),
        a.integer("--connections", 8), duration, a.seconds("--warmup", Duration.ofSeconds(5)),
        a.integer("--instances", 1000), a.longValue("--seed", 1), a.string("--token", null),
        jsonOut == null ? null : Path.of(jsonOut), a.integer("--events", 0),
        a.span("--time-spread", Duration.ZERO), total, a.string("--probe-event", DEFAULT_PROBE_EVENT),
        a.integer("--stream-batches", protocol == Protocol.GRPC_STREAM ? DEFAULT_STREAM_BATCHES : 1));
  }

  /** The request path: the base URL's path (without a trailing slash) followed by {@code /v1/pings}. */
  String path() {
    return Args.under(url, "/v1/pings");
  }

  int port() {
    return Args.port(url);
  }

  /** What the run loads, as its summary names it: the request URL, or the gRPC listener and method. */
  String target() {
    return switch (protocol) {
      case HTTP -> Reports.withoutTrailingSlash(url.toString()) + "/v1/pings";
      case GRPC_UNARY -> url.getHost() + ":" + port() + " " + GrpcIngestMethods.INGEST.getFullMethodName();
      case GRPC_STREAM -> url.getHost() + ":" + port() + " " + GrpcIngestMethods.INGEST_STREAM.getFullMethodName();
    };
  }

  EventMix mix() {
    return EventMix.of(events, seed);
  }
}
