package io.pingstack.engine.clickhouse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one definition of the ClickHouse tables, rendered for a legacy server (18.16: plain types,
 * timestamps as Int64 microseconds) or a modern one (23.8+: DateTime64, LowCardinality, codecs, TTL,
 * a deduplication window). Both renderings store the same bytes per row in RowBinary (DateTime64(6)
 * is an Int64 of microseconds, LowCardinality(String) a String), so one writer serves both, and a
 * table created by an old server keeps working after the server is upgraded.
 *
 * <p>{@code pings}: one row per accepted ping, partitioned by the UTC day of its event time, ordered
 * by {@code (event, instance_id, timestamp)} for per-event and per-instance scans. Declared
 * dimensions and metrics have columns of their own ({@code d_<key>}, {@code m_<key>}, null when the
 * ping lacks the key); the others are in parallel key/value arrays. {@code payload} is the JSON text,
 * empty when the ping had none.
 *
 * <p>{@code cold_inserts}: per node, the WAL range of the last group of INSERTs begun and the days it
 * touches (see {@link ClickHouseColdStore}). {@code pings_quarantine}: rows ClickHouse refused, with
 * their WAL position and the server's error. {@code schema_migrations}: what has been applied.
 */
final class PingTable {
  static final String PINGS = "pings";
  static final String INSERTS = "cold_inserts";
  static final String QUARANTINE = "pings_quarantine";
  static final String MIGRATIONS = "schema_migrations";

  /** A column: its name and its type on a legacy and on a modern server (codec included). */
  record Column(String name, String legacyType, String modernType) {
    String render(boolean modern) {
      return name + " " + (modern ? modernType : legacyType);
    }
  }

  /** The fixed columns, in the order the writer sends them; declared columns follow, then the arrays and payload. */
  static final List<Column> LEADING = List.of(
      new Column("wal_position", "Int64", "Int64 CODEC(Delta, ZSTD(1))"),
      new Column("received_at", "Int64", "DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1))"),
      new Column("ingest_node", "String", "LowCardinality(String)"),
      new Column("ping_id", "String", "String CODEC(ZSTD(1))"),
      new Column("instance_id", "String", "String"),
      new Column("timestamp", "Int64", "DateTime64(6, 'UTC')"),
      new Column("event", "String", "LowCardinality(String)"),
      new Column("version", "String", "LowCardinality(String)"),
      new Column("deploy_type", "String", "LowCardinality(String)"));

  static final List<Column> TRAILING = List.of(
      new Column("metric_keys", "Array(String)", "Array(LowCardinality(String))"),
      new Column("metric_values", "Array(Float64)", "Array(Float64) CODEC(ZSTD(1))"),
      new Column("dimension_keys", "Array(String)", "Array(LowCardinality(String))"),
      new Column("dimension_values", "Array(String)", "Array(String) CODEC(ZSTD(1))"),
      new Column("payload", "String", "String CODEC(ZSTD(3))"));

  private PingTable() {}

  static Column dimension(String key) {
    return new Column(ClickHouseConfig.dimensionColumn(key), "Nullable(String)", "LowCardinality(Nullable(String))");
  }

  static Column metric(String key) {
    return new Column(ClickHouseConfig.metricColumn(key), "Nullable(Float64)", "Nullable(Float64) CODEC(ZSTD(1))");
  }

  /** Every column of {@code pings} for {@code config}, in the order the writer sends them. */
  static List<Column> columns(ClickHouseConfig config) {
    List<Column> columns = new ArrayList<>(LEADING);
    config.dimensions().forEach(key -> columns.add(dimension(key)));
    config.metrics().forEach(key -> columns.add(metric(key)));
    columns.addAll(TRAILING);
    return columns;
  }

  static List<String> columnNames(ClickHouseConfig config) {
    return columns(config).stream().map(Column::name).toList();
  }

  static String qualified(String database, String table) {
    return database + "." + table;
  }

  /**
   * CREATE TABLE for the pings with the fixed columns only; declared columns are added by their own
   * migrations ({@link #addColumn}) so that declaring one later is the same step as declaring it first.
   */
  static String createPings(String database, boolean modern, Duration retention) {
    List<Column> fixed = new ArrayList<>(LEADING);
    fixed.addAll(TRAILING);
    String columns = fixed.stream().map(c -> "  " + c.render(modern)).collect(Collectors.joining(",\n"));
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(qualified(database, PINGS)).append(" (\n")
        .append(columns).append("\n) ENGINE = MergeTree\n")
        .append("PARTITION BY ").append(day(modern)).append('\n')
        .append("ORDER BY (event, instance_id, timestamp)");
    if (modern) {
      if (!retention.isZero()) {
        sql.append("\nTTL toDateTime(timestamp) + INTERVAL ").append(retention.toSeconds()).append(" SECOND DELETE");
      }
      // Plain MergeTree deduplicates inserts only with a window; the sink names its blocks by WAL range.
      sql.append("\nSETTINGS non_replicated_deduplication_window = 10000");
    }
    return sql.toString();
  }

  /** The UTC day of the event time: the partition key. */
  static String day(boolean modern) {
    return "toDate(" + eventTime(modern) + ")";
  }

  /** The event time as a DateTime in UTC (seconds). */
  static String eventTime(boolean modern) {
    return modern ? "toDateTime(timestamp, 'UTC')" : "toDateTime(intDiv(timestamp, 1000000), 'UTC')";
  }

  /** The event time in microseconds since the epoch. */
  static String micros(boolean modern, String column) {
    return modern ? "toUnixTimestamp64Micro(" + column + ")" : column;
  }

  /** {@code from <= timestamp < to} (microseconds), written so ClickHouse prunes partitions and uses the key. */
  static String timeRange(boolean modern, long fromMicros, long toMicros) {
    return modern
        ? "timestamp >= fromUnixTimestamp64Micro(" + fromMicros + ", 'UTC') AND timestamp < fromUnixTimestamp64Micro(" + toMicros + ", 'UTC')"
        : "timestamp >= " + fromMicros + " AND timestamp < " + toMicros;
  }

  static String addColumn(String database, Column column, boolean modern) {
    return "ALTER TABLE " + qualified(database, PINGS) + " ADD COLUMN " + column.render(modern);
  }

  static String createInserts(String database) {
    return "CREATE TABLE IF NOT EXISTS " + qualified(database, INSERTS) + " (\n"
        + "  ingest_node String,\n  first_position Int64,\n  last_position Int64,\n  days Array(Date),\n"
        + "  rows UInt64,\n  begun_at DateTime\n"
        + ") ENGINE = ReplacingMergeTree(last_position)\nORDER BY ingest_node";
  }

  static String createQuarantine(String database) {
    return "CREATE TABLE IF NOT EXISTS " + qualified(database, QUARANTINE) + " (\n"
        + "  ingest_node String,\n  wal_position Int64,\n  instance_id String,\n  ping_id String,\n"
        + "  error String,\n  row_base64 String,\n  quarantined_at DateTime\n"
        + ") ENGINE = ReplacingMergeTree(quarantined_at)\nORDER BY (ingest_node, wal_position, instance_id, ping_id)";
  }

  static String createMigrations(String database) {
    return "CREATE TABLE IF NOT EXISTS " + qualified(database, MIGRATIONS) + " (\n"
        + "  name String,\n  applied_at DateTime,\n  server_version String\n"
        + ") ENGINE = ReplacingMergeTree(applied_at)\nORDER BY name";
  }
}
