package io.pingstack.engine.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.engine.ReplayException;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import java.net.URI;
import java.time.Duration;
import java.util.List;
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
  void aReplayWhileClickHouseIsDownFailsWithAClearMessageAndCanBeRunAgain() throws Exception {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      dropPartition(DAY1);
      long left = count("count()");
      server.kill();
      try {
        assertThatThrownBy(() -> store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT))
            .isInstanceOf(ReplayException.class)
            .hasMessageContaining("cannot replay WAL 1–24 into ClickHouse " + db + ".pings (node node-1)")
            .hasMessageContaining("run the replay again once ClickHouse answers");
      } finally {
        server.restart();
      }
      ReplayOutcome again = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT);
      assertThat(again.count("rows_written")).isEqualTo(TWO_DAYS_ROWS - left);
    }
    assertThat(count("count()")).isEqualTo(TWO_DAYS_ROWS);
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
