package io.pingstack.server;

import io.pingstack.engine.ArrowColdStoreConfig;
import io.pingstack.engine.ConsumerConfig;
import io.pingstack.engine.clickhouse.ClickHouseConfig;
import io.pingstack.gateway.GatewayConfig;
import io.pingstack.gateway.GrpcConfig;
import io.pingstack.gateway.IngestToken;
import io.pingstack.gateway.TlsFiles;
import io.pingstack.gateway.SourcegraphConfig;
import io.pingstack.query.QueryConfig;
import io.pingstack.rollups.RollupsConfig;
import io.pingstack.rollups.Step;
import io.pingstack.wal.WalConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole, validated configuration: one typed value per module. {@code adminToken} is the bearer
 * token the admin endpoints require, or null when they are open. {@code replayMaxPingsPerSecond}
 * caps a replay's reading of the log (0: no cap).
 */
record ServerConfig(
    Path dataDir,
    GatewayConfig gateway,
    GrpcConfig grpc,
    TlsFiles tls,
    WalConfig wal,
    ConsumerConfig consumer,
    RollupsConfig rollups,
    Duration snapshotInterval,
    Path coldDir,
    ArrowColdStoreConfig cold,
    ClickHouseConfig clickhouse,
    QueryConfig query,
    SourcegraphConfig sourcegraph,
    Duration drainTimeout,
    Settings settings,
    String adminToken,
    long replayMaxPingsPerSecond) {

  static ServerConfig load(Map<String, String> env) {
    Settings s = Settings.load(env);
    try {
      Path dataDir = Path.of(s.string("data.dir")).toAbsolutePath().normalize();
      String walDir = s.string("wal.dir");
      WalConfig wal = new WalConfig(
          walDir.isEmpty() ? dataDir.resolve("wal") : Path.of(walDir).toAbsolutePath().normalize(),
          s.choice("wal.sync", WalConfig.Sync.class),
          s.integer("wal.queue_capacity"),
          s.bytes("wal.disk_reserve_bytes"),
          s.duration("wal.retention_min_age"),
          s.duration("wal.retention_interval"))
          .withRetentionMaxBytes(s.bytes("wal.retention_max_bytes"))
          .withPageCacheKeepBytes(s.bytes("wal.page_cache_keep_bytes"))
          .withCompression(s.choice("wal.compression", WalConfig.Compression.class));
      String node = s.string("node.name").isEmpty() ? hostName() : s.string("node.name");
      GatewayConfig gateway = new GatewayConfig(
          s.string("http.host"),
          s.integer("http.port"),
          node,
          s.integer("ingest.max_wire_bytes"),
          s.integer("ingest.max_decompressed_bytes"),
          s.integer("ingest.max_pings_per_batch"),
          s.integer("http.max_header_bytes"),
          s.duration("http.idle_timeout"),
          s.duration("http.request_deadline"),
          s.bytes("ingest.max_inflight_bytes"),
          s.decimal("ingest.rate_limit_pings_per_second"),
          s.decimal("ingest.rate_limit_burst"),
          tokens(s.string("ingest.tokens_file")),
          s.duration("ingest.max_ping_age"),
          s.duration("dedup.window"),
          s.bytes("dedup.max_entries"),
          s.integer("http.event_loop_threads"));
      GrpcConfig grpc = new GrpcConfig(
          s.string("grpc.host"),
          s.integer("grpc.port"),
          s.integer("grpc.max_concurrent_calls_per_connection"),
          s.integer("grpc.max_stream_pending_batches"),
          s.duration("grpc.max_connection_age"),
          s.duration("grpc.keepalive_time"),
          s.duration("grpc.permit_keepalive_time"),
          s.flag("sourcegraph.telemetry_gateway_enabled"));
      TlsFiles tls = tls(s.string("tls.cert_file"), s.string("tls.key_file"));
      if (gateway.maxDecompressedBytes() > WalConfig.MAX_RECORD_BYTES - (1 << 20)) {
        throw new ConfigException("ingest.max_decompressed_bytes must stay under " + (WalConfig.MAX_RECORD_BYTES - (1 << 20))
            + " (the largest WAL record)");
      }
      ConsumerConfig consumer = new ConsumerConfig(
          s.integer("consumer.max_batch_rows"), s.bytes("consumer.max_batch_bytes"), s.duration("consumer.max_delay"));
      if (consumer.maxBytes() < 4L * gateway.maxDecompressedBytes()) {
        // One WAL record holds one request, and its Arrow columns may take a few times its protobuf size.
        throw new ConfigException("consumer.max_batch_bytes must be at least 4 x ingest.max_decompressed_bytes ("
            + 4L * gateway.maxDecompressedBytes() + ") so that any accepted request fits in one batch");
      }
      RollupsConfig rollups = RollupsConfig.defaults(dataDir.resolve("rollups"))
          .withDimensions(list(s.string("rollups.dimensions")))
          .withRetention(Step.MINUTE, s.duration("rollups.minute_retention"))
          .withRetention(Step.HOUR, s.duration("rollups.hour_retention"))
          .withRetention(Step.DAY, s.duration("rollups.day_retention"))
          .withMaxSeries(s.integer("rollups.max_series"))
          .withMaxInstances(s.integer("rollups.max_instances"))
          .withQueryCacheBytes(s.bytes("rollups.query_cache_bytes"));
      String coldDir = s.string("cold.dir");
      ArrowColdStoreConfig cold = withZstdLevel(ArrowColdStoreConfig.defaults()
          .withCommitInterval(s.duration("cold.commit_interval"))
          .withMaxUncommittedRows(s.bytes("cold.max_uncommitted_rows")), s);
      QueryConfig query = new QueryConfig(secret("query.token_file", s.string("query.token_file")), s.integer("query.max_series"));
      return new ServerConfig(dataDir, gateway, grpc, tls, wal, consumer, rollups, s.duration("rollups.snapshot_interval"),
          coldDir.isEmpty() ? dataDir.resolve("cold") : Path.of(coldDir).toAbsolutePath().normalize(), cold, clickhouse(s, node), query,
          sourcegraph(s), s.duration("shutdown.drain_timeout"), s, secret("admin.token_file", s.string("admin.token_file")),
          replayMaxPingsPerSecond(s));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static ArrowColdStoreConfig withZstdLevel(ArrowColdStoreConfig cold, Settings s) {
    int level = s.integer("cold.zstd_level");
    try {
      return cold.withZstdLevel(level);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("cold.zstd_level: " + e.getMessage());
    }
  }

  private static long replayMaxPingsPerSecond(Settings s) {
    long cap = s.bytes("replay.max_pings_per_second");
    if (cap < 0) {
      throw new ConfigException("replay.max_pings_per_second must be 0 (no cap) or a number of pings per second: " + cap);
    }
    return cap;
  }

  /** The ClickHouse cold store, or null when {@code clickhouse.url} is empty (the embedded Arrow store then). */
  private static ClickHouseConfig clickhouse(Settings s, String node) {
    String url = s.string("clickhouse.url");
    if (url.isEmpty()) {
      return null;
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("clickhouse.url is not a URL: " + url);
    }
    String password = secret("clickhouse.password_file", s.string("clickhouse.password_file"));
    long maxInsertRows = s.bytes("clickhouse.max_insert_rows");
    if (maxInsertRows > Integer.MAX_VALUE) {
      throw new ConfigException("clickhouse.max_insert_rows is too large: " + maxInsertRows);
    }
    return ClickHouseConfig.of(uri, node)
        .withDatabase(s.string("clickhouse.database"))
        .withCredentials(s.string("clickhouse.user"), password == null ? "" : password)
        .withColumns(list(s.string("clickhouse.dimensions")), list(s.string("clickhouse.metrics")))
        .withFlushInterval(s.duration("clickhouse.flush_interval"))
        .withLimits((int) maxInsertRows, s.bytes("clickhouse.max_buffer_bytes"))
        .withRetention(s.duration("clickhouse.retention"))
        .withRequestTimeout(s.duration("clickhouse.request_timeout"));
  }

  /** Both TLS files, or neither (no TLS); one without the other is a mistake worth failing on. */
  static TlsFiles tls(String certFile, String keyFile) {
    if (certFile.isEmpty() && keyFile.isEmpty()) {
      return null;
    }
    if (certFile.isEmpty() || keyFile.isEmpty()) {
      throw new ConfigException("tls.cert_file and tls.key_file must be set together (PEM certificate chain, PKCS#8 PEM key)");
    }
    return new TlsFiles(Path.of(certFile).toAbsolutePath().normalize(), Path.of(keyFile).toAbsolutePath().normalize());
  }

  /** The update-check endpoints; the hash key is read from its file (a missing or empty file fails the start). */
  private static SourcegraphConfig sourcegraph(Settings s) {
    SourcegraphConfig.InitAdmin initAdmin = s.choice("sourcegraph.init_admin", SourcegraphConfig.InitAdmin.class);
    return new SourcegraphConfig(s.flag("sourcegraph.update_check_enabled"), s.string("sourcegraph.update_version"), initAdmin,
        secret("sourcegraph.init_admin_hash_key_file", s.string("sourcegraph.init_admin_hash_key_file")));
  }

  /** A comma list; blanks around items are dropped, an empty text is an empty list. */
  static List<String> list(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  /** The secret held in {@code file} (its first line, trimmed), or null when no file is set. */
  static String secret(String key, String file) {
    if (file.isEmpty()) {
      return null;
    }
    try {
      List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
      String secret = lines.isEmpty() ? "" : lines.get(0).trim();
      if (secret.isEmpty()) {
        throw new ConfigException(key + " " + file + " is empty: its first line must hold the secret");
      }
      return secret;
    } catch (IOException e) {
      throw new ConfigException("cannot read " + key + " " + file + ": " + e.getMessage());
    }
  }

  /**
   * Reads ingest tokens: one per line, {@code <name> <secret> [instance_id]}; blank lines and lines
   * starting with {@code #} are skipped. The file is the only place secrets live.
   */
  static List<IngestToken> tokens(String file) {
    if (file.isEmpty()) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read ingest.tokens_file " + file + ": " + e.getMessage());
    }
    List<IngestToken> tokens = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length < 2 || parts.length > 3) {
        throw new ConfigException(file + " line " + (i + 1) + ": expected '<name> <secret> [instance_id]'");
      }
      if (!names.add(parts[0])) {
        throw new ConfigException(file + " line " + (i + 1) + ": token name '" + parts[0] + "' is used twice");
      }
      tokens.add(new IngestToken(parts[0], parts[1], parts.length == 3 ? parts[2] : null));
    }
    if (tokens.isEmpty()) {
      throw new ConfigException("ingest.tokens_file " + file + " holds no token; remove the setting for open ingest");
    }
    return tokens;
  }

  /** The host's name without a DNS lookup (nothing is contacted that was not configured). */
  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      String name = Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).trim();
      return name.isEmpty() ? "node-1" : name;
    } catch (IOException e) {
      return "node-1";
    }
  }
}
