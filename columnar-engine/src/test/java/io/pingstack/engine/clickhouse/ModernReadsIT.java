package io.pingstack.engine.clickhouse;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;

/** Cold reads on ClickHouse 26.x in-process (chDB): the modern table, DateTime64 timestamps. */
class ModernReadsIT extends ColdReadsContract {
  private ChDb chdb;

  @Override
  URI start() throws Exception {
    Path dir = Files.createTempDirectory("modern-reads");
    dir.toFile().deleteOnExit();
    chdb = ChDb.open(dir);
    return URI.create("http://in-process.invalid");
  }

  @Override
  ClickHouseColdStore store(ClickHouseConfig config) {
    return ClickHouseColdStore.over(new ChDbSql(chdb, config.database()), config, ClickHouseMetrics.NOOP);
  }

  @Override
  ClickHouseReads reads(ClickHouseConfig config) {
    return ClickHouseReads.over(new ChDbSql(chdb, config.database()), config);
  }

  @AfterAll
  void close() {
    if (chdb != null) {
      chdb.close();
    }
  }
}
