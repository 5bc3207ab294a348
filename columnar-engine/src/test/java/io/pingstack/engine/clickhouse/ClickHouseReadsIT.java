package io.pingstack.engine.clickhouse;

import java.net.URI;
import org.junit.jupiter.api.AfterAll;

/** Cold reads against a real clickhouse-server (Debian's 18.16 here: the legacy table). */
class ClickHouseReadsIT extends ColdReadsContract {
  private ClickHouseProcess server;

  @Override
  URI start() throws Exception {
    server = ClickHouseProcess.start();
    return URI.create(server.httpUrl());
  }

  @Override
  ClickHouseColdStore store(ClickHouseConfig config) {
    return ClickHouseColdStore.open(config, ClickHouseMetrics.NOOP);
  }

  @Override
  ClickHouseReads reads(ClickHouseConfig config) {
    return ClickHouseReads.open(config);
  }

  @AfterAll
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }
}
