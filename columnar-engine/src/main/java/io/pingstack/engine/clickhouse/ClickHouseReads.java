package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.clickhouse.ClickHouseConnection.quote;
import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads of the raw pings in ClickHouse: aggregates for ranges older than the hot rollups keep, and
 * an instance's raw pings for an operator. Every value the caller passes goes into the SQL as a
 * quoted literal; field and aggregate names are checked against what exists. Thread-safe.
 *
 * <p>The table's shape (legacy Int64 microsecond timestamps or modern DateTime64, which declared
 * columns exist) is read from {@code system.columns} on first use and again after a failure.
 */
public final class ClickHouseReads implements AutoCloseable {
  private final ClickHouseConfig config;
  private final ClickHouseSql connection;
  private volatile Columns columns;

  /** The pings table as found: its timestamp type and its declared columns. */
  private record Columns(boolean modern, Set<String> names) {}

  private ClickHouseReads(ClickHouseConfig config, ClickHouseSql connection) {
    this.config = config;
    this.connection = connection;
  }

  /** Sets up the clients; nothing is sent until the first read. */
  public static ClickHouseReads open(ClickHouseConfig config) {
    requireNonNull(config, "config");
    return new ClickHouseReads(config, ClickHouseConnection.open(config));
  }

  /** Reads through {@code sql} (the modern-SQL suite runs them on chDB); closes it with the reads. */
  static ClickHouseReads over(ClickHouseSql sql, ClickHouseConfig config) {
    return new ClickHouseReads(config, sql);
  }

  /** Runs {@code query}; rows come ordered by group values, then bucket. Throws when ClickHouse fails. */
  public List<ColdAggregate.Row> aggregate(ColdAggregate query) {
    Columns table = columns();
    String micros = PingTable.micros(table.modern(), "timestamp");
    List<String> select = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (String field : query.groupBy()) {
      select.add(field(table, field) + " AS g" + keys.size());
      keys.add("g" + keys.size());
    }
    keys.add("bucket");
    int groups = select.size();
    select.add("intDiv(" + micros + ", " + query.stepMicros() + ") AS bucket");
    String value = null;
    String has = null;
    if (query.metric() != null) {
      String column = ClickHouseConfig.metricColumn(query.metric());
      if (config.metrics().contains(query.metric()) && table.names().contains(column)) {
        value = "ifNull(" + column + ", 0)";
        has = "isNotNull(" + column + ")";
      } else {
        String key = quote(query.metric());
        value = "metric_values[indexOf(metric_keys, " + key + ")]";
        has = "has(metric_keys, " + key + ")";
      }
    }
    boolean quantiles = false;
    List<String> outer = new ArrayList<>(keys);
    for (String agg : query.aggs()) {
      String alias = "a" + (outer.size() - keys.size());
      outer.add(alias);
      select.add(switch (agg) {
        case "count" -> "toFloat64(count())";
        case "distinct_instances" -> "toFloat64(uniqExact(instance_id))";
        case "sum" -> perMetric(value, has, "sumIf(" + value + ", " + has + ")");
        case "min" -> perMetric(value, has, "minIf(" + value + ", " + has + ")");
        case "max" -> perMetric(value, has, "maxIf(" + value + ", " + has + ")");
        case "avg" -> perMetric(value, has, "sumIf(" + value + ", " + has + ") / countIf(" + has + ")");
        case "p50", "p90", "p95", "p99" -> {
          quantiles = true;
          double q = Integer.parseInt(agg.substring(1)) / 100.0;
          yield perMetric(value, has, "arrayElement(metric_sorted, toUInt64(floor(" + q + " * (length(metric_sorted) - 1))) + 1)");
        }
        default -> throw new IllegalArgumentException("unknown aggregate " + agg);
      } + " AS " + alias);
    }
    if (quantiles) {
      select.add("arraySort(groupArrayIf(" + value + ", " + has + ")) AS metric_sorted");
    }
    List<String> where = new ArrayList<>();
    where.add("event = " + quote(query.event()));
    where.add(PingTable.timeRange(table.modern(), query.fromMicros(), query.toMicros()));
    for (Map.Entry<String, Set<String>> filter : query.filters().entrySet()) {
      where.add(field(table, filter.getKey()) + " IN (" + filter.getValue().stream().sorted().map(ClickHouseConnection::quote)
          .collect(Collectors.joining(", ")) + ")");
    }
    // 18.16 groups by names, not by positions. The outer SELECT leaves the sorted values out: the
    // 0.10 JDBC driver fails reading an aggregated array column from 18.16's Native output.
    String order = String.join(", ", keys);
    String sql = "SELECT " + String.join(", ", outer) + " FROM (SELECT " + String.join(", ", select) + " FROM "
        + PingTable.qualified(config.database(), PingTable.PINGS) + " WHERE " + String.join(" AND ", where) + " GROUP BY " + order
        + ") ORDER BY " + order;
    int aggs = query.aggs().size();
    try {
      return connection.query(sql, row -> {
        List<String> group = new ArrayList<>(groups);
        for (int i = 1; i <= groups; i++) {
          group.add(row.string(i));
        }
        double[] values = new double[aggs];
        for (int i = 0; i < aggs; i++) {
          values[i] = row.float64(groups + 2 + i);
        }
        return new ColdAggregate.Row(group, row.int64(groups + 1), values);
      });
    } catch (ClickHouseFailure e) {
      columns = null;
      throw e;
    }
  }

  private static String perMetric(String value, String has, String aggregate) {
    if (value == null) {
      throw new IllegalArgumentException("a per-metric aggregate needs a metric");
    }
    return "if(countIf(" + has + ") = 0, nan, toFloat64(" + aggregate + "))";
  }

  /** The SQL of an API field: a declared dimension's column, or its value in the arrays ("" when absent). */
  private String field(Columns table, String field) {
    if (field.equals("version") || field.equals("deploy_type")) {
      return field;
    }
    if (!field.startsWith("dimension.")) {
      throw new IllegalArgumentException("unknown field " + field);
    }
    String key = field.substring("dimension.".length());
    String column = ClickHouseConfig.dimensionColumn(key);
    if (config.dimensions().contains(key) && table.names().contains(column)) {
      return "ifNull(" + column + ", '')";
    }
    return "dimension_values[indexOf(dimension_keys, " + quote(key) + ")]";
  }

  /**
   * The raw pings of {@code instanceId} with event times in {@code [fromMicros, toMicros)}, in event
   * time order, at most {@code limit}.
   */
  public List<RawPing> raw(String instanceId, long fromMicros, long toMicros, int limit) {
    Columns table = columns();
    List<String> dimensions = config.dimensions().stream().filter(k -> table.names().contains(ClickHouseConfig.dimensionColumn(k))).toList();
    List<String> metrics = config.metrics().stream().filter(k -> table.names().contains(ClickHouseConfig.metricColumn(k))).toList();
    // Arrays come back as text: the 0.10 JDBC driver misreads 18.16's Native arrays of varying length.
    List<String> select = new ArrayList<>(List.of("wal_position", PingTable.micros(table.modern(), "received_at"), "ingest_node",
        "ping_id", "instance_id", PingTable.micros(table.modern(), "timestamp"), "event", "version", "deploy_type",
        hexStrings("metric_keys"), float64Bits("metric_values"), hexStrings("dimension_keys"), hexStrings("dimension_values"),
        "payload"));
    for (String key : dimensions) {
      String column = ClickHouseConfig.dimensionColumn(key);
      select.add("isNull(" + column + ")");
      select.add("ifNull(" + column + ", '')");
    }
    for (String key : metrics) {
      String column = ClickHouseConfig.metricColumn(key);
      select.add("isNull(" + column + ")");
      select.add("ifNull(" + column + ", 0)");
    }
    String sql = "SELECT " + String.join(", ", select) + " FROM " + PingTable.qualified(config.database(), PingTable.PINGS)
        + " WHERE instance_id = " + quote(instanceId) + " AND " + PingTable.timeRange(table.modern(), fromMicros, toMicros)
        + " ORDER BY timestamp, wal_position, ping_id LIMIT " + limit;
    try {
      return connection.query(sql, row -> {
        Map<String, Double> metricMap = new LinkedHashMap<>();
        Map<String, String> dimensionMap = new LinkedHashMap<>();
        int column = 15;
        for (String key : dimensions) {
          boolean absent = row.int64(column++) == 1;
          String v = row.string(column++);
          if (!absent) {
            dimensionMap.put(key, v);
          }
        }
        for (String key : metrics) {
          boolean absent = row.int64(column++) == 1;
          double v = row.float64(column++);
          if (!absent) {
            metricMap.put(key, v);
          }
        }
        List<String> metricKeys = fromHex(row.string(10));
        // One element per key; 0.0 is all zero bytes, so its element is empty.
        String[] metricBits = row.string(11).split(",", -1);
        for (int i = 0; i < metricKeys.size(); i++) {
          metricMap.put(metricKeys.get(i), fromFloat64Bits(metricBits[i]));
        }
        List<String> dimensionKeys = fromHex(row.string(12));
        List<String> dimensionValues = fromHex(row.string(13));
        for (int i = 0; i < dimensionKeys.size(); i++) {
          dimensionMap.put(dimensionKeys.get(i), dimensionValues.get(i));
        }
        String payload = row.string(14);
        return new RawPing(row.int64(1), row.int64(2), row.string(3), row.string(4), row.string(5), row.int64(6),
            row.string(7), row.string(8), row.string(9), metricMap, dimensionMap, payload.isEmpty() ? null : payload);
      });
    } catch (ClickHouseFailure e) {
      columns = null;
      throw e;
    }
  }

  /** An Array(String) as one text: each element's UTF-8 bytes in hex, comma separated. */
  private static String hexStrings(String column) {
    return "arrayStringConcat(arrayMap(x -> hex(x), " + column + "), ',')";
  }

  /**
   * An Array(Float64) as one text, exactly: each element's IEEE bytes (little-endian, trailing zero
   * bytes dropped by reinterpretAsString) in hex, comma separated.
   */
  private static String float64Bits(String column) {
    return "arrayStringConcat(arrayMap(x -> hex(reinterpretAsString(x)), " + column + "), ',')";
  }

  private static double fromFloat64Bits(String hex) {
    byte[] bytes = HexFormat.of().parseHex(hex);
    long bits = 0;
    for (int i = bytes.length - 1; i >= 0; i--) {
      bits = bits << 8 | (bytes[i] & 0xFF);
    }
    return Double.longBitsToDouble(bits);
  }

  private static List<String> fromHex(String text) {
    List<String> values = new ArrayList<>();
    if (text.isEmpty()) {
      return values;
    }
    for (String hex : text.split(",", -1)) {
      values.add(new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8));
    }
    return values;
  }

  private Columns columns() {
    Columns found = columns;
    if (found != null) {
      return found;
    }
    List<String[]> rows = connection.query("SELECT name, type FROM system.columns WHERE database = " + quote(config.database())
        + " AND table = " + quote(PingTable.PINGS), row -> new String[] {row.string(1), row.string(2)});
    if (rows.isEmpty()) {
      throw new IllegalStateException("ClickHouse has no table " + PingTable.qualified(config.database(), PingTable.PINGS) + " yet");
    }
    boolean modern = rows.stream().anyMatch(r -> r[0].equals("timestamp") && r[1].startsWith("DateTime64"));
    found = new Columns(modern, rows.stream().map(r -> r[0]).collect(Collectors.toSet()));
    columns = found;
    return found;
  }

  @Override
  public void close() {
    connection.close();
  }
}
