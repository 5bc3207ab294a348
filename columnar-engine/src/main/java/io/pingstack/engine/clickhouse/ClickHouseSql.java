package io.pingstack.engine.clickhouse;

import java.io.InputStream;
import java.util.List;

/**
 * What the cold store and its reads ask of ClickHouse: statements, queries read row by row, and
 * RowBinary inserts. {@link ClickHouseConnection} is the production one (the official clients over
 * HTTP); the modern-SQL suite runs the same code against ClickHouse 26.x in-process (chDB).
 */
interface ClickHouseSql extends AutoCloseable {
  void execute(String sql);

  /** Runs {@code sql} (no FORMAT clause) and maps each row. */
  <T> List<T> query(String sql, Row<T> row);

  /**
   * Inserts the RowBinary rows of {@code columns} that {@code rows} holds ({@code length} bytes) into
   * {@code table} of the configured database, as one request; with a deduplication token (modern
   * servers) when {@code token} is not null.
   */
  void insertRowBinary(String table, List<String> columns, InputStream rows, int length, String token);

  @Override
  void close();

  /** Maps the current row. */
  @FunctionalInterface
  interface Row<T> {
    T map(Values row) throws Exception;
  }

  /** The columns of one row, numbered from 1. Never a Nullable column (select isNull/ifNull instead). */
  interface Values {
    String string(int column);

    long int64(int column);

    double float64(int column);
  }
}
