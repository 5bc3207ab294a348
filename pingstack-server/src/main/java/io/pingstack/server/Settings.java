package io.pingstack.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Raw settings: defaults, overlaid by a properties file, overlaid by {@code PINGSTACK_*}
 * environment variables ({@code wal.dir} is {@code PINGSTACK_WAL_DIR}). Only known keys are
 * accepted: a misspelt key fails the start instead of being silently ignored.
 */
final class Settings {
  /** Environment variables that are not settings. */
  static final String CONFIG_ENV = "PINGSTACK_CONFIG";
  private static final java.util.Set<String> NOT_SETTINGS = java.util.Set.of(CONFIG_ENV, "PINGSTACK_JAVA_OPTS");

  static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("data.dir", "./data");
    d.put("node.name", "");
    d.put("http.host", "0.0.0.0");
    d.put("http.port", "8080");
    d.put("http.max_header_bytes", "16KiB");
    d.put("http.idle_timeout", "60s");
    d.put("http.request_deadline", "30s");
    d.put("http.event_loop_threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
    d.put("grpc.host", "0.0.0.0");
    d.put("grpc.port", "9090");
    d.put("grpc.max_concurrent_calls_per_connection", "100");
    d.put("grpc.max_stream_pending_batches", "4");
    d.put("grpc.max_connection_age", "0s");
    d.put("grpc.keepalive_time", "2h");
    d.put("grpc.permit_keepalive_time", "1m");
    d.put("tls.cert_file", "");
    d.put("tls.key_file", "");
    d.put("ingest.max_wire_bytes", "16MiB");
    d.put("ingest.max_decompressed_bytes", "64MiB");
    d.put("ingest.max_pings_per_batch", "10000");
    d.put("ingest.max_inflight_bytes", "512MiB");
    d.put("ingest.max_ping_age", "30d");
    d.put("ingest.rate_limit_pings_per_second", "0");
    d.put("ingest.rate_limit_burst", "0");
    d.put("ingest.tokens_file", "");
    d.put("dedup.window", "24h");
    d.put("dedup.max_entries", "4000000");
    d.put("wal.dir", "");
    d.put("wal.sync", "group");
    d.put("wal.queue_capacity", "16384");
    d.put("wal.disk_reserve_bytes", "512MiB");
    d.put("wal.retention_min_age", "7d");
    d.put("wal.retention_interval", "1m");
    d.put("wal.retention_max_bytes", "0");
    d.put("wal.page_cache_keep_bytes", "1GiB");
    d.put("wal.compression", "none");
    d.put("consumer.max_batch_rows", "65536");
    d.put("consumer.max_batch_bytes", "256MiB");
    d.put("consumer.max_delay", "100ms");
    d.put("rollups.dimensions", "");
    d.put("rollups.minute_retention", "48h");
    d.put("rollups.hour_retention", "90d");
    d.put("rollups.day_retention", "730d");
    d.put("rollups.max_series", "100000");
    d.put("rollups.max_instances", "1000000");
    d.put("rollups.query_cache_bytes", "64MiB");
    d.put("rollups.snapshot_interval", "60s");
    d.put("cold.dir", "");
    d.put("cold.commit_interval", "10s");
    d.put("cold.max_uncommitted_rows", "1000000");
    d.put("cold.zstd_level", "1");
    d.put("clickhouse.url", "");
    d.put("clickhouse.database", "pingstack");
    d.put("clickhouse.user", "default");
    d.put("clickhouse.password_file", "");
    d.put("clickhouse.dimensions", "");
    d.put("clickhouse.metrics", "");
    d.put("clickhouse.flush_interval", "1s");
    d.put("clickhouse.max_insert_rows", "200000");
    d.put("clickhouse.max_buffer_bytes", "64MiB");
    d.put("clickhouse.retention", "0s");
    d.put("clickhouse.request_timeout", "60s");
    d.put("replay.max_pings_per_second", "100000");
    d.put("query.token_file", "");
    d.put("admin.token_file", "");
    d.put("query.max_series", "1000");
    d.put("sourcegraph.update_check_enabled", "true");
    d.put("sourcegraph.telemetry_gateway_enabled", "true");
    d.put("sourcegraph.update_version", "");
    d.put("sourcegraph.init_admin", "drop");
    d.put("sourcegraph.init_admin_hash_key_file", "");
    d.put("shutdown.drain_timeout", "20s");
    return Map.copyOf(d);
  }

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = values;
  }

  static Settings load(Map<String, String> env) {
    Map<String, String> values = new TreeMap<>(DEFAULTS);
    String file = env.get(CONFIG_ENV);
    if (file != null && !file.isBlank()) {
      Properties props = new Properties();
      try (Reader in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
        props.load(in);
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
      for (String key : props.stringPropertyNames()) {
        if (!DEFAULTS.containsKey(key)) {
          throw new ConfigException("unknown setting '" + key + "' in " + file + "; known settings: " + DEFAULTS.keySet());
        }
        values.put(key, props.getProperty(key).trim());
      }
    }
    Map<String, String> byEnv = new TreeMap<>();
    for (String key : DEFAULTS.keySet()) {
      byEnv.put(envName(key), key);
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith("PINGSTACK_") || NOT_SETTINGS.contains(e.getKey())) {
        continue;
      }
      String key = byEnv.get(e.getKey());
      if (key == null) {
        throw new ConfigException("unknown environment variable " + e.getKey() + "; known: " + byEnv.keySet());
      }
      values.put(key, e.getValue().trim());
    }
    return new Settings(values);
  }

  static String envName(String key) {
    return "PINGSTACK_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  String string(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("no such setting: " + key);
    }
    return v;
  }

  int integer(String key) {
    long v = bytes(key);
    if (v > Integer.MAX_VALUE) {
      throw new ConfigException(key + " is too large: " + string(key));
    }
    return (int) v;
  }

  boolean flag(String key) {
    return switch (string(key).toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(key + " must be true or false: " + string(key));
    };
  }

  /** One of {@code type}'s constants, by its name in any case; the message lists them in lower case. */
  <E extends Enum<E>> E choice(String key, Class<E> type) {
    String v = string(key);
    E[] constants = type.getEnumConstants();
    for (E constant : constants) {
      if (constant.name().equalsIgnoreCase(v)) {
        return constant;
      }
    }
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < constants.length; i++) {
      names.append(i == 0 ? "" : i == constants.length - 1 ? " or " : ", ").append(constants[i].name().toLowerCase(Locale.ROOT));
    }
    throw new ConfigException(key + " must be " + names + ": " + v);
  }

  double decimal(String key) {
    try {
      return Double.parseDouble(string(key));
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be a number: " + string(key));
    }
  }

  /** A count or size: digits with an optional KiB, MiB or GiB suffix. */
  long bytes(String key) {
    String v = string(key);
    long unit = 1;
    String digits = v;
    for (String[] suffix : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}}) {
      if (v.endsWith(suffix[0])) {
        unit = Long.parseLong(suffix[1]);
        digits = v.substring(0, v.length() - suffix[0].length()).trim();
      }
    }
    try {
      return Math.multiplyExact(Long.parseLong(digits), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ConfigException(key + " must be a whole number with an optional KiB/MiB/GiB suffix: " + v);
    }
  }

  /** A duration such as {@code 250ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 7d}. */
  Duration duration(String key) {
    String v = string(key);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new NumberFormatException(v);
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new ConfigException(key + " must be a duration like 250ms, 30s, 5m, 24h or 7d: " + v);
    }
  }

  /** Every setting, for the start-up log. No value here is secret: secrets live in files. */
  Map<String, String> effective() {
    return java.util.Collections.unmodifiableMap(values);
  }
}
