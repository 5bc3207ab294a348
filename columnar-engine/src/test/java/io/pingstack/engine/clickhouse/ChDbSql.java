package io.pingstack.engine.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The cold store's SQL run on ClickHouse 26.x in-process: statements as they are, queries read as
 * JSONCompactEachRow, RowBinary inserts as {@code INSERT … SETTINGS … FORMAT RowBinary} followed by
 * the same bytes the store sends over HTTP, with the deduplication token and {@code async_insert = 0}
 * that {@link ClickHouseConnection} sets on a modern server.
 */
final class ChDbSql implements ClickHouseSql {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ChDb chdb;
  private final String database;

  ChDbSql(ChDb chdb, String database) {
    this.chdb = chdb;
    this.database = database;
  }

  @Override
  public void execute(String sql) {
    run(() -> chdb.query(sql, "TabSeparated"));
  }

  @Override
  public <T> List<T> query(String sql, Row<T> row) {
    String out = run(() -> chdb.query(sql, "JSONCompactEachRow"));
    List<T> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        rows.add(row.map(new JsonValues(JSON.readTree(line))));
      } catch (Exception e) {
        throw ClickHouseFailure.of("cannot read a chDB row " + line, e);
      }
    }
    return rows;
  }

  @Override
  public void insertRowBinary(String table, List<String> columns, InputStream rows, int length, String token) {
    ByteArrayOutputStream statement = new ByteArrayOutputStream(length + 256);
    String head = "INSERT INTO " + database + "." + table + " (" + String.join(", ", columns) + ")"
        + (token == null ? "" : " SETTINGS insert_deduplication_token = " + ClickHouseConnection.quote(token) + ", async_insert = 0")
        + " FORMAT RowBinary\n";
    statement.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    try {
      rows.transferTo(statement);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(() -> chdb.query(statement.toByteArray(), "TabSeparated"));
  }

  private static String run(java.util.function.Supplier<String> call) {
    try {
      return call.get();
    } catch (ChDb.ChDbException e) {
      throw ClickHouseFailure.of("chDB refused", e);
    }
  }

  @Override
  public void close() {
    // The session belongs to the test.
  }

  private record JsonValues(JsonNode row) implements Values {
    @Override
    public String string(int column) {
      return row.get(column - 1).asText();
    }

    @Override
    public long int64(int column) {
      JsonNode node = row.get(column - 1);
      return node.isNumber() ? node.asLong() : Long.parseLong(node.asText());
    }

    @Override
    public double float64(int column) {
      JsonNode node = row.get(column - 1);
      if (node.isNull()) {
        return Double.NaN;
      }
      return node.isNumber() ? node.asDouble() : Double.parseDouble(node.asText());
    }
  }
}
