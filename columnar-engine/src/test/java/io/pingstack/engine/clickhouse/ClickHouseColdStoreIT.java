package io.pingstack.engine.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.Wal;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The cold store's contract against a real clickhouse-server (Debian's 18.16 here: the legacy DDL). */
class ClickHouseColdStoreIT extends ColdStoreContract {
  private static ClickHouseProcess server;

  @BeforeAll
  static void startServer() throws Exception {
    server = ClickHouseProcess.start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  ClickHouseColdStore open(ClickHouseConfig config) {
    return ClickHouseColdStore.open(config, ClickHouseMetrics.NOOP);
  }

  @Override
  String query(String sql) {
    return server.query(sql);
  }

  @Override
  URI url() {
    return URI.create(server.httpUrl());
  }

  @Override
  boolean modern() {
    return false;
  }

  @Test
  void startsWhileClickHouseIsUnreachableAndFailsOnlyWhenAsked() {
    ClickHouseConfig unreachable = ClickHouseConfig.of(URI.create("http://127.0.0.1:1"), "node-1")
        .withRequestTimeout(Duration.ofSeconds(2));
    try (ClickHouseColdStore store = ClickHouseColdStore.open(unreachable, ClickHouseMetrics.NOOP)) {
      assertThat(store.durablePosition()).isEqualTo(Wal.NONE);
      assertThatThrownBy(store::resumePosition).isInstanceOf(ClickHouseFailure.class);
    }
  }
}
