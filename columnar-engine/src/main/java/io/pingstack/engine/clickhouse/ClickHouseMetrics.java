package io.pingstack.engine.clickhouse;

/** What the ClickHouse cold store reports; the server adapts it to Prometheus. */
public interface ClickHouseMetrics {
  ClickHouseMetrics NOOP = new ClickHouseMetrics() {
    @Override
    public void flushed(long rows, long bytes, long nanos) {}

    @Override
    public void insertFailed(String reason) {}

    @Override
    public void quarantined(long rows) {}
  };

  /** A group of INSERTs went in: {@code rows} rows, {@code bytes} of RowBinary, in {@code nanos}. */
  void flushed(long rows, long bytes, long nanos);

  /** An INSERT failed; {@code reason} is {@code code_<n>} (the server's code) or {@code no_answer}. */
  void insertFailed(String reason);

  /** Rows ClickHouse refused went to the quarantine table. */
  void quarantined(long rows);
}
