package io.pingstack.engine.clickhouse;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where and how the ClickHouse cold store writes.
 *
 * @param url the server's HTTP interface, e.g. {@code http://127.0.0.1:8123}
 * @param database created when missing; every table lives in it
 * @param user the ClickHouse user
 * @param password its password (read from a file by the server's configuration), empty for none
 * @param node this node's name: the cold store's position in ClickHouse is kept per node, so it
 *     must stay the same across restarts of a node (a renamed node inserts its whole WAL again)
 * @param dimensions dimension keys stored in columns of their own ({@code d_<key>}); the others go
 *     to the key/value arrays
 * @param metrics metric keys stored in columns of their own ({@code m_<key>})
 * @param flushInterval accepted rows are inserted at most this long after they were accepted
 * @param maxInsertRows rows of one INSERT (one day, whole WAL records); kept under the server's
 *     {@code max_insert_block_size} so an INSERT is one block, all or nothing
 * @param maxBufferBytes rows are inserted as soon as this many bytes of them are buffered
 * @param retention on servers with TTL (23.8+), rows older than this by event time are dropped by
 *     ClickHouse; zero keeps them forever
 * @param requestTimeout of one request to ClickHouse
 */
public record ClickHouseConfig(
    URI url,
    String database,
    String user,
    String password,
    String node,
    List<String> dimensions,
    List<String> metrics,
    Duration flushInterval,
    int maxInsertRows,
    long maxBufferBytes,
    Duration retention,
    Duration requestTimeout) {

  public static final String DEFAULT_DATABASE = "pingstack";
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_INSERT_ROWS = 200_000;
  public static final long DEFAULT_MAX_BUFFER_BYTES = 64L << 20;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_.-]{0,127}");

  public ClickHouseConfig {
    requireNonNull(url, "url");
    requireNonNull(database, "database");
    requireNonNull(user, "user");
    requireNonNull(password, "password");
    requireNonNull(node, "node");
    dimensions = List.copyOf(dimensions);
    metrics = List.copyOf(metrics);
    requireNonNull(flushInterval, "flushInterval");
    requireNonNull(retention, "retention");
    requireNonNull(requestTimeout, "requestTimeout");
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
      throw new IllegalArgumentException("clickhouse.url must be an http:// or https:// URL of the server's HTTP interface: " + url);
    }
    if (!IDENTIFIER.matcher(database).matches()) {
      throw new IllegalArgumentException("clickhouse.database must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*): " + database);
    }
    if (user.isEmpty()) {
      throw new IllegalArgumentException("clickhouse.user must not be empty");
    }
    if (node.isEmpty()) {
      throw new IllegalArgumentException("the node name must not be empty");
    }
    Set<String> columns = new HashSet<>();
    for (String key : dimensions) {
      checkKey("clickhouse.dimensions", key, columns, dimensionColumn(key));
    }
    for (String key : metrics) {
      checkKey("clickhouse.metrics", key, columns, metricColumn(key));
    }
    if (flushInterval.isNegative() || flushInterval.isZero() || flushInterval.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("clickhouse.flush_interval must be positive and at most 10 minutes: " + flushInterval);
    }
    if (maxInsertRows < 1_000 || maxInsertRows > 1_000_000) {
      throw new IllegalArgumentException("clickhouse.max_insert_rows must be between 1000 and 1000000: " + maxInsertRows);
    }
    if (maxBufferBytes < (1 << 20)) {
      throw new IllegalArgumentException("clickhouse.max_buffer_bytes must be at least 1 MiB: " + maxBufferBytes);
    }
    if (retention.isNegative()) {
      throw new IllegalArgumentException("clickhouse.retention must not be negative: " + retention);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("clickhouse.request_timeout must be positive: " + requestTimeout);
    }
  }

  /** Defaults for everything but where the server is and who this node is. */
  public static ClickHouseConfig of(URI url, String node) {
    return new ClickHouseConfig(url, DEFAULT_DATABASE, "default", "", node, List.of(), List.of(), DEFAULT_FLUSH_INTERVAL,
        DEFAULT_MAX_INSERT_ROWS, DEFAULT_MAX_BUFFER_BYTES, Duration.ZERO, DEFAULT_REQUEST_TIMEOUT);
  }

  public ClickHouseConfig withDatabase(String value) {
    return new ClickHouseConfig(url, value, user, password, node, dimensions, metrics, flushInterval, maxInsertRows,
        maxBufferBytes, retention, requestTimeout);
  }

  public ClickHouseConfig withCredentials(String newUser, String newPassword) {
    return new ClickHouseConfig(url, database, newUser, newPassword, node, dimensions, metrics, flushInterval, maxInsertRows,
        maxBufferBytes, retention, requestTimeout);
  }

  public ClickHouseConfig withColumns(List<String> newDimensions, List<String> newMetrics) {
    return new ClickHouseConfig(url, database, user, password, node, newDimensions, newMetrics, flushInterval, maxInsertRows,
        maxBufferBytes, retention, requestTimeout);
  }

  public ClickHouseConfig withFlushInterval(Duration value) {
    return new ClickHouseConfig(url, database, user, password, node, dimensions, metrics, value, maxInsertRows,
        maxBufferBytes, retention, requestTimeout);
  }

  public ClickHouseConfig withLimits(int newMaxInsertRows, long newMaxBufferBytes) {
    return new ClickHouseConfig(url, database, user, password, node, dimensions, metrics, flushInterval, newMaxInsertRows,
        newMaxBufferBytes, retention, requestTimeout);
  }

  public ClickHouseConfig withRetention(Duration value) {
    return new ClickHouseConfig(url, database, user, password, node, dimensions, metrics, flushInterval, maxInsertRows,
        maxBufferBytes, value, requestTimeout);
  }

  public ClickHouseConfig withRequestTimeout(Duration value) {
    return new ClickHouseConfig(url, database, user, password, node, dimensions, metrics, flushInterval, maxInsertRows,
        maxBufferBytes, retention, value);
  }

  /** The column of a declared dimension: {@code d_} and the key with {@code .} and {@code -} as {@code _}. */
  public static String dimensionColumn(String key) {
    return "d_" + key.replace('.', '_').replace('-', '_');
  }

  /** The column of a declared metric: {@code m_} and the key with {@code .} and {@code -} as {@code _}. */
  public static String metricColumn(String key) {
    return "m_" + key.replace('.', '_').replace('-', '_');
  }

  private static void checkKey(String setting, String key, Set<String> columns, String column) {
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(setting + " holds '" + key + "', which is not a key like an event name ([a-z][a-z0-9_.-]*)");
    }
    if (!columns.add(column)) {
      throw new IllegalArgumentException(setting + ": '" + key + "' maps to column " + column + ", which another key already takes");
    }
  }

  @Override
  public String toString() {
    return "ClickHouseConfig[url=" + url + ", database=" + database + ", user=" + user + ", password="
        + (password.isEmpty() ? "none" : "<redacted>") + ", node=" + node + ", dimensions=" + dimensions + ", metrics=" + metrics
        + ", flushInterval=" + flushInterval + ", maxInsertRows=" + maxInsertRows + ", maxBufferBytes=" + maxBufferBytes
        + ", retention=" + retention + ", requestTimeout=" + requestTimeout + "]";
  }
}
