package io.pingstack.engine.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The two official clients, set up the way both a Debian 18.16 and a modern server answer them
 * correctly (RELIABILITY.md): JDBC for DDL, migrations and reads; client-v2 for RowBinary inserts.
 * Neither retries on its own (the cold store's consumer backs off and resumes), neither compresses
 * (18.16 answers a compressed request with an empty body), and every SQL text names its tables in
 * full and its {@code FORMAT} where one matters (18.16 ignores the format and database headers).
 *
 * <p>Reads through JDBC never select a Nullable column directly: the 0.10 driver misreads 18.16's
 * Native Nullable columns, so callers select {@code isNull(c)} and {@code ifNull(c, …)}. A query
 * with no rows may come back with no result set at all (18.16's Native output is then empty): it
 * reads as no rows. Thread-safe.
 */
final class ClickHouseConnection implements ClickHouseSql {

  private final ClickHouseConfig config;
  private final Connection jdbc;
  private final Client client;

  private ClickHouseConnection(ClickHouseConfig config, Connection jdbc, Client client) {
    this.config = config;
    this.jdbc = jdbc;
    this.client = client;
  }

  /** Sets up both clients; no request is sent yet, so this works while the server is down. */
  static ClickHouseConnection open(ClickHouseConfig config) {
    String base = config.url().toString().replaceAll("/+$", "");
    long timeoutMillis = config.requestTimeout().toMillis();
    Properties props = new Properties();
    props.setProperty("user", config.user());
    props.setProperty("password", config.password());
    props.setProperty("socket_timeout", Long.toString(timeoutMillis));
    props.setProperty("connection_timeout", Long.toString(Math.min(timeoutMillis, 10_000)));
    props.setProperty("retry", "0");
    Connection jdbc;
    try {
      jdbc = DriverManager.getConnection("jdbc:clickhouse:" + base + "/default"
          + "?compress=false&format=Native&clickhouse_setting_default_format=Native", props);
    } catch (SQLException e) {
      throw ClickHouseFailure.of("cannot set up the JDBC connection to " + base, e);
    }
    Client client = new Client.Builder()
        .addEndpoint(base)
        .setUsername(config.user())
        .setPassword(config.password())
        .compressServerResponse(false)
        .compressClientRequest(false)
        .setMaxRetries(0)
        .setConnectTimeout(Math.min(timeoutMillis, 10_000), ChronoUnit.MILLIS)
        .setSocketTimeout(timeoutMillis, ChronoUnit.MILLIS)
        .serverSetting("database", config.database())
        .build();
    return new ClickHouseConnection(config, jdbc, client);
  }

  @Override
  public void execute(String sql) {
    try (Statement statement = jdbc.createStatement()) {
      statement.execute(sql);
    } catch (SQLException | RuntimeException e) {
      throw ClickHouseFailure.of("ClickHouse refused " + abbreviate(sql), e);
    }
  }

  @Override
  public <T> List<T> query(String sql, Row<T> row) {
    try (Statement statement = jdbc.createStatement()) {
      List<T> rows = new ArrayList<>();
      if (!statement.execute(sql)) {
        return rows;
      }
      try (ResultSet rs = statement.getResultSet()) {
        Values values = new ResultSetValues(rs);
        while (rs != null && rs.next()) {
          rows.add(row.map(values));
        }
      }
      return rows;
    } catch (Exception e) {
      throw ClickHouseFailure.of("ClickHouse failed " + abbreviate(sql), e);
    }
  }

  /** The current row of a JDBC result set. */
  private record ResultSetValues(ResultSet rs) implements Values {
    @Override
    public String string(int column) {
      return get(() -> rs.getString(column));
    }

    @Override
    public long int64(int column) {
      return get(() -> rs.getLong(column));
    }

    @Override
    public double float64(int column) {
      return get(() -> rs.getDouble(column));
    }

    private interface Read<T> {
      T read() throws SQLException;
    }

    private static <T> T get(Read<T> read) {
      try {
        return read.read();
      } catch (SQLException e) {
        throw ClickHouseFailure.of("cannot read a result column", e);
      }
    }
  }

  @Override
  public void insertRowBinary(String table, List<String> columns, InputStream rows, int length, String token) {
    InsertSettings settings = new InsertSettings();
    if (token != null) {
      // A modern server: the block is named by its token, and written synchronously even where the
      // user's profile turns asynchronous inserts on (an async insert is not one all-or-nothing block).
      settings.setDeduplicationToken(token);
      settings.serverSetting("async_insert", "0");
    }
    try {
      client.insert(PingTable.qualified(config.database(), table), columns, rows,
          ClickHouseFormat.RowBinary, settings).get(config.requestTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS).close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ClickHouseFailure.of("interrupted inserting into " + table, e);
    } catch (TimeoutException e) {
      throw ClickHouseFailure.of("no answer to an insert into " + table + " within " + config.requestTimeout(), e);
    } catch (Exception e) {
      throw ClickHouseFailure.of("insert of " + length + " bytes into " + table + " failed", e);
    }
  }

  /**
   * {@code ORDER BY <orderBy>}, with a {@code max_block_size} above {@code maxRows}: clickhouse-jdbc
   * misreads some rows of a result that 18.16 sends in several Native blocks (they come back as 0
   * and null), and a sorted result comes in blocks of {@code max_block_size} rows, so in one block.
   */
  static String sortedInOneBlock(String orderBy, long maxRows) {
    return " ORDER BY " + orderBy + " SETTINGS max_block_size = " + Math.max(65_536, maxRows + 1);
  }

  /** A string literal for ClickHouse SQL. */
  static String quote(String value) {
    StringBuilder sb = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\'' -> sb.append("\\'");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\0' -> sb.append("\\0");
        default -> sb.append(c);
      }
    }
    return sb.append('\'').toString();
  }

  private static String abbreviate(String sql) {
    String oneLine = sql.replaceAll("\\s+", " ");
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
  }

  @Override
  public void close() {
    try {
      jdbc.close();
    } catch (SQLException e) {
      // closing releases local resources only
    } finally {
      client.close();
    }
  }
}
