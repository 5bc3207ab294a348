package io.pingstack.engine.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold store's contract on ClickHouse 26.x in-process (chDB): the modern DDL (DateTime64,
 * LowCardinality, codecs, TTL, a deduplication window), inserts of the store's own RowBinary bytes
 * with their deduplication tokens, and every query the store runs to resume.
 */
class ModernColdStoreIT extends ColdStoreContract {
  @TempDir static Path dataDir;
  private static ChDb chdb;

  @BeforeAll
  static void open() {
    chdb = ChDb.open(dataDir);
  }

  @AfterAll
  static void close() {
    if (chdb != null) {
      chdb.close();
    }
  }

  @Override
  ClickHouseColdStore open(ClickHouseConfig config) {
    return ClickHouseColdStore.over(new ChDbSql(chdb, config.database()), config, ClickHouseMetrics.NOOP);
  }

  @Override
  String query(String sql) {
    return chdb.query(sql);
  }

  @Override
  URI url() {
    return URI.create("http://in-process.invalid");
  }

  @Override
  boolean modern() {
    return true;
  }

  @Test
  void theTableIsRenderedForAModernServerWithRetentionAndADeduplicationWindow() {
    config = config.withRetention(Duration.ofDays(400)).withColumns(java.util.List.of("lang"), java.util.List.of("duration_ms"));
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
    }
    assertThat(query("SELECT name, type, compression_codec FROM system.columns WHERE database = '" + db
        + "' AND table = 'pings' AND name IN ('timestamp', 'received_at', 'event', 'd_lang', 'm_duration_ms', 'payload')"
        + " ORDER BY name FORMAT TabSeparated")).isEqualTo(
        "d_lang\tLowCardinality(Nullable(String))\t\n"
            + "event\tLowCardinality(String)\t\n"
            + "m_duration_ms\tNullable(Float64)\tCODEC(ZSTD(1))\n"
            + "payload\tString\tCODEC(ZSTD(3))\n"
            // TabSeparated escapes the quotes in a type name.
            + "received_at\tDateTime64(6, \\'UTC\\')\tCODEC(Delta(8), ZSTD(1))\n"
            + "timestamp\tDateTime64(6, \\'UTC\\')\t\n");
    String engine = query("SELECT engine_full FROM system.tables WHERE database = '" + db + "' AND name = 'pings' FORMAT TabSeparated");
    assertThat(engine).contains("PARTITION BY toDate(toDateTime(timestamp, \\'UTC\\'))").contains("ORDER BY (event, instance_id, timestamp)")
        .contains("TTL toDateTime(timestamp) + toIntervalSecond(34560000)").contains("non_replicated_deduplication_window = 10000");
  }
}
