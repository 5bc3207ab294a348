package io.pingstack.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The settings of one load run, validated. {@code protocol} is how pings are sent; for {@code http},
 * {@code url} is the server's base URL and requests go to {@code <url>/v1/pings}; for the gRPC
 * protocols it is the gRPC listener, {@code http://host:port} without a path (plaintext h2c).
 * {@code streamBatches} is the number of batches each {@code grpc-stream} call carries (1 for the
 * other protocols: one batch per request or call). For {@code clickhouse-json}, {@code url} is a
 * ClickHouse server's HTTP interface, {@code http://host:port} without a path, and {@code table}
 * ({@code database.table}; null for the other protocols) the table the rows go to. {@code events} is 0 for the five product events, else the number of
 * feature events ({@link EventMix}); {@code timeSpread} is zero when pings are timestamped now;
 * {@code total} is 0 when the run ends after {@code duration}, else the number of acknowledged pings
 * (warmup included) after which it ends; {@code probeEvent} is the event name reserved for the
 * freshness probe, which the generator must never send. {@code format} is the body of {@code http}
 * requests (protobuf for the other protocols), gzipped when {@code gzip}. {@code rate} is 0 for a
 * closed loop, else the requests (gRPC: calls) per second an open loop sends, across all connections.
 * {@code ledger} is the file acknowledged ping ids are written to, or null; {@code hgrmOut} the file
 * the latency histogram is written to, or null.
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
    int streamBatches,
    String table,
    Format format,
    boolean gzip,
    double rate,
    Path ledger,
    Path hgrmOut) {

  /** How pings are sent, as {@code --protocol} names it. */
  enum Protocol {
    /** {@code POST /v1/pings} over HTTP/1.1 keep-alive, protobuf both ways. */
    HTTP("http"),
    /** {@code pingstack.v1.IngestService/Ingest}: one batch per call. */
    GRPC_UNARY("grpc-unary"),
    /** {@code pingstack.v1.IngestService/IngestStream}: {@code --stream-batches} batches per call. */
    GRPC_STREAM("grpc-stream"),
    /**
     * ClickHouse's own HTTP insert, {@code POST /?query=INSERT INTO <table> FORMAT JSONEachRow}: the
     * same pings as rows of Pingstack's {@code pings} table ({@link JsonRowBodies}), a 200 acknowledging them all.
     */
    CLICKHOUSE_JSON("clickhouse-json");

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
      throw new IllegalArgumentException("--protocol must be http, grpc-unary, grpc-stream or clickhouse-json: " + flag);
    }
  }

  /** The body of an {@code http} request, as {@code --format} names it (API.md section 2). */
  enum Format {
    PROTOBUF("protobuf", "application/x-protobuf"),
    /** {@code {"pings": [ ... ]}}. */
    JSON("json", "application/json"),
    /** One ping object per line. */
    NDJSON("ndjson", "application/x-ndjson");

    private final String flag;
    private final String contentType;

    Format(String flag, String contentType) {
      this.flag = flag;
      this.contentType = contentType;
    }

    String flag() {
      return flag;
    }

    String contentType() {
      return contentType;
    }

    static Format of(String flag) {
      for (Format f : values()) {
        if (f.flag.equals(flag)) {
          return f;
        }
      }
      throw new IllegalArgumentException("--format must be protobuf, json or ndjson: " + flag);
    }
  }

  static final String USAGE = String.join("\n",
      "usage: LoadMain [options]                 load POST /v1/pings (this text)",
      "       LoadMain query [options]           query latency benchmark (LoadMain query --help)",
      "       LoadMain freshness [options]       ack-to-visible probe (LoadMain freshness --help)",
      "       LoadMain describe [options]        prints the event mix of these options as JSON",
      "  --protocol P        http: POST /v1/pings over HTTP/1.1 (default); grpc-unary: pingstack.v1.IngestService/Ingest,",
      "                      one batch per call; grpc-stream: IngestService/IngestStream, --stream-batches batches per call;",
      "                      clickhouse-json: ClickHouse's own HTTP insert of the same pings, POST",
      "                      /?query=INSERT INTO <--table> FORMAT JSONEachRow, one row per ping in the columns of",
      "                      Pingstack's pings table; a 200 acknowledges the batch",
      "  --url URL           http: server base URL (default http://127.0.0.1:8080); requests go to <URL>/v1/pings",
      "                      grpc-*: the gRPC listener, http://HOST:PORT without a path, plaintext h2c",
      "                      (default http://127.0.0.1:9090)",
      "                      clickhouse-json: ClickHouse's HTTP interface, http://HOST:PORT without a path",
      "                      (default http://127.0.0.1:8123)",
      "  --table DB.TABLE    clickhouse-json only: the table, with its database (default pingstack.pings)",
      "  --format F          http only: the request body, protobuf (a PingBatch, the default), json",
      "                      ({\"pings\": [...]}) or ndjson (one ping object per line); the same pings either way",
      "  --gzip              http only: gzips each body (Content-Encoding: gzip, fastest level)",
      "  --batch N           pings per request (gRPC: per message), 1-10000 (default 100)",
      "  --connections C     keep-alive connections (gRPC: channels, each its own connection), each with one",
      "                      request or call in flight (default 8)",
      "  --stream-batches N  grpc-stream only: batches per call; the call then half-closes and waits for its",
      "                      one response before the next starts (default 100; latency is per call)",
      "  --rate N            open loop: N requests (grpc-unary: calls) per second across all connections, each",
      "                      intended at start + i/N; a request that finds no free connection waits for one and",
      "                      its latency runs from its intended time (coordinated omission corrected); the",
      "                      service time and the requests behind schedule are reported too (http, grpc-unary",
      "                      and clickhouse-json; default: closed loop, each connection sending when answered)",
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
      "  --hgrm-out FILE     also writes the latency histogram to FILE in HdrHistogram's percentile",
      "                      distribution format (.hgrm, values in ms; open loop: from the intended times)",
      "  --ledger FILE       writes every acknowledged ping, instance_id TAB ping_id, one per line, to FILE:",
      "                      the pings of each 200 answer or OK call but those its errors refuse (warmup",
      "                      included); an answer whose counts and errors do not add up names none (unresolved)",
      "  --help              prints this text",
      "SIGTERM or Ctrl-C ends the run early; the summary covers what was measured until then.");

  static final int MAX_BATCH = 10_000;
  static final int MAX_CONNECTIONS = 10_000;
  static final int MAX_STREAM_BATCHES = 1_000_000;
  static final int DEFAULT_STREAM_BATCHES = 100;
  /** Far beyond what one event loop thread sends; a typo guard. */
  static final double MAX_RATE = 10_000_000;
  /** The server refuses pings older than its max age (30 days by default); a day is left for the run. */
  static final Duration MAX_TIME_SPREAD = Duration.ofDays(29);
  /** The time limit of a {@code --total} run without {@code --duration}: in practice none. */
  static final Duration NO_LIMIT = Duration.ofDays(1);
  static final String DEFAULT_PROBE_EVENT = "probe.freshness";

  private static final Set<String> NAMES = Set.of("--url", "--batch", "--connections", "--duration", "--warmup",
      "--instances", "--seed", "--token", "--json-out", "--events", "--time-spread", "--total", "--probe-event",
      "--protocol", "--stream-batches", "--table", "--format",
      "--rate", "--ledger", "--hgrm-out");
  private static final Set<String> FLAGS = Set.of("--gzip");
  static final String DEFAULT_TABLE = "pingstack.pings";
  /** A qualified table name: 18.16 ignores the database header, so the SQL names the database. */
  private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*");

  LoadOptions {
    Args.requireRange("--batch", batch, 1, MAX_BATCH);
    Args.requireRange("--stream-batches", streamBatches, 1, protocol == Protocol.GRPC_STREAM ? MAX_STREAM_BATCHES : 1);
    if (protocol != Protocol.HTTP && !Args.under(url, "").isEmpty()) {
      throw new IllegalArgumentException("--url of " + (protocol == Protocol.CLICKHOUSE_JSON ? "ClickHouse" : "a gRPC listener")
          + " takes no path: " + url);
    }
    if ((protocol == Protocol.CLICKHOUSE_JSON) != (table != null)) {
      throw new IllegalArgumentException("--table is for --protocol clickhouse-json only, which needs one");
    }
    if (table != null && !TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException("--table must be DATABASE.TABLE (letters, digits, _): " + table);
    }
    if (protocol != Protocol.HTTP && (format != Format.PROTOBUF || gzip)) {
      throw new IllegalArgumentException("--format and --gzip are for --protocol http only");
    }
    if (rate < 0 || rate > MAX_RATE) {
      throw new IllegalArgumentException("--rate must be at most " + (long) MAX_RATE + " requests per second: " + rate);
    }
    if (rate > 0 && protocol == Protocol.GRPC_STREAM) {
      throw new IllegalArgumentException("--rate is for http, grpc-unary and clickhouse-json; a grpc-stream call's"
          + " batches follow flow control, not a schedule");
    }
    if (protocol == Protocol.CLICKHOUSE_JSON && token != null) {
      throw new IllegalArgumentException("--token is for Pingstack; clickhouse-json inserts as ClickHouse's user default");
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
    Args a = Args.parse(args, NAMES, Set.of(), FLAGS);
    Protocol protocol = Protocol.of(a.string("--protocol", Protocol.HTTP.flag()));
    if (protocol != Protocol.HTTP && (a.has("--format") || a.flag("--gzip"))) {
      throw new IllegalArgumentException((a.has("--format") ? "--format" : "--gzip") + " is for --protocol http only");
    }
    if (protocol != Protocol.GRPC_STREAM && a.has("--stream-batches")) {
      throw new IllegalArgumentException("--stream-batches is for --protocol grpc-stream only");
    }
    if (protocol != Protocol.CLICKHOUSE_JSON && a.has("--table")) {
      throw new IllegalArgumentException("--table is for --protocol clickhouse-json only");
    }
    URI defaultUrl = URI.create(switch (protocol) {
      case HTTP -> "http://127.0.0.1:8080";
      case GRPC_UNARY, GRPC_STREAM -> "http://127.0.0.1:9090";
      case CLICKHOUSE_JSON -> "http://127.0.0.1:8123";
    });
    long total = a.longValue("--total", 0);
    Duration duration = total > 0 && !a.has("--duration") ? NO_LIMIT : a.seconds("--duration", Duration.ofSeconds(20));
    Path jsonOut = a.outputFile("--json-out");
    return new LoadOptions(protocol, a.url("--url", defaultUrl), a.integer("--batch", 100),
        a.integer("--connections", 8), duration, a.seconds("--warmup", Duration.ofSeconds(5)),
        a.integer("--instances", 1000), a.longValue("--seed", 1), a.string("--token", null),
        jsonOut, a.integer("--events", 0),
        a.span("--time-spread", Duration.ZERO), total, a.string("--probe-event", DEFAULT_PROBE_EVENT),
        a.integer("--stream-batches", protocol == Protocol.GRPC_STREAM ? DEFAULT_STREAM_BATCHES : 1),
        protocol == Protocol.CLICKHOUSE_JSON ? a.string("--table", DEFAULT_TABLE) : null,
        Format.of(a.string("--format", Format.PROTOBUF.flag())), a.flag("--gzip"), rate(a),
        a.outputFile("--ledger"), a.outputFile("--hgrm-out"));
  }

  /** {@code --rate}: 0 when not given (a closed loop); given, it must be positive. */
  private static double rate(Args a) {
    double rate = a.number("--rate", 0);
    if (a.has("--rate") && !(rate > 0)) {
      throw new IllegalArgumentException("--rate must be a positive number of requests per second: " + a.string("--rate", ""));
    }
    return rate;
  }

  /** True for an open loop at {@code rate}. */
  boolean openLoop() {
    return rate > 0;
  }

  /**
   * The request path: for {@code http}, the base URL's path (without a trailing slash) followed by
   * {@code /v1/pings}; for {@code clickhouse-json}, the insert query on ClickHouse's root.
   */
  String path() {
    return protocol == Protocol.CLICKHOUSE_JSON
        ? "/?query=" + insertQuery().replace(" ", "%20") // the table name is checked: spaces are all there is to encode
        : Args.under(url, "/v1/pings");
  }

  /** The SQL of a {@code clickhouse-json} request; its rows follow in the body. */
  String insertQuery() {
    return "INSERT INTO " + table + " FORMAT JSONEachRow";
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
      case CLICKHOUSE_JSON -> url.getHost() + ":" + port() + " " + insertQuery();
    };
  }

  EventMix mix() {
    return EventMix.of(events, seed);
  }
}
