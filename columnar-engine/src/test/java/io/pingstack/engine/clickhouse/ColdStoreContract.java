package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.Records;
import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the ClickHouse cold store must do on every server it supports: run by
 * {@link ClickHouseColdStoreIT} against a real clickhouse-server (Debian's 18.16: the legacy DDL)
 * and by {@link ModernColdStoreIT} against ClickHouse 26.x in-process (chDB: the modern DDL).
 */
abstract class ColdStoreContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  protected String db;
  protected ClickHouseConfig config;

  /** A store over the server under test, for {@code config}. */
  abstract ClickHouseColdStore open(ClickHouseConfig config);

  /** Runs {@code sql} (with its FORMAT) on the server under test, bypassing the store. */
  abstract String query(String sql);

  /** The server's URL in configurations (a placeholder where the server is in-process). */
  abstract URI url();

  /** True where the table is rendered for a modern server (timestamps are DateTime64). */
  abstract boolean modern();

  @BeforeEach
  void freshDatabase() {
    db = "cold_it_" + DATABASES.incrementAndGet();
    config = ClickHouseConfig.of(url(), "node-1").withDatabase(db).withFlushInterval(Duration.ofMillis(100));
  }

  /** A column of microseconds since the epoch as text: Int64 on 18.16, DateTime64 on modern servers. */
  private String micros(String column) {
    return PingTable.micros(modern(), column);
  }

  @Test
  void storesEveryColumnOfEveryPingOnceWithDeclaredColumnsAndTheRestInArrays() {
    config = config.withColumns(List.of("lang"), List.of("duration_ms"));
    Instant t1 = Instant.parse("2026-11-21T10:00:00.123456Z");
    Instant t2 = Instant.parse("2026-11-22T23:59:59Z");
    Ping full = TestPings.ping("inst-a", "p-1").at(t1)
        .metric("duration_ms", 12.5).metric("results", 3).dimension("lang", "go").dimension("os", "linux")
        .payload("{\"site\":\"x\"}").build();
    Ping bare = TestPings.ping("inst-b", "p-2").at(t2).version("").deployType("").build();
    try (ClickHouseColdStore store = open(config)) {
      assertThat(store.resumePosition()).isEqualTo(Wal.NONE);
      deliver(store, Records.entries(7, record(full), record(bare)));
      flush(store);
      assertThat(store.durablePosition()).isEqualTo(8);
    }
    assertThat(query("SELECT wal_position, " + micros("received_at") + ", ingest_node, ping_id, instance_id, " + micros("timestamp")
        + ", event, version,"
        + " deploy_type, d_lang, m_duration_ms, metric_keys, metric_values, dimension_keys, dimension_values, payload FROM "
        + db + ".pings ORDER BY wal_position FORMAT TabSeparated")).isEqualTo(
        "7\t" + Records.RECEIVED_AT + "\tnode-1\tp-1\tinst-a\t" + micros(t1) + "\tsearch.executed\t5.3.0\tdocker-compose\tgo\t12.5"
            + "\t['results']\t[3]\t['os']\t['linux']\t{\"site\":\"x\"}\n"
            + "8\t" + Records.RECEIVED_AT + "\tnode-1\tp-2\tinst-b\t" + micros(t2) + "\tsearch.executed\t\t\t\\N\t\\N\t[]\t[]\t[]\t[]\t\n");
    assertThat(query("SELECT partition, rows FROM system.parts WHERE database = '" + db
        + "' AND table = 'pings' AND active ORDER BY partition FORMAT TabSeparated"))
        .isEqualTo("2026-11-21\t1\n2026-11-22\t1\n");
  }

  @Test
  void aRestartResumesAfterWhatIsStoredWithoutDuplicatesOrGaps() {
    List<WalReader.Entry> first = Records.entries(1, records("a", 5, 20));
    List<WalReader.Entry> second = Records.entries(6, records("b", 5, 20));
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
      deliver(store, first);
      flush(store);
    }
    try (ClickHouseColdStore store = open(config)) {
      long resume = store.resumePosition();
      assertThat(resume).isLessThan(6);
      // The consumer reads again from the record after the resume position.
      List<WalReader.Entry> again = new ArrayList<>(first.subList((int) resume, first.size()));
      again.addAll(second);
      deliver(store, again);
      flush(store);
    }
    assertThat(count("count()")).isEqualTo(200);
    assertThat(count("uniqExact(instance_id, ping_id)")).isEqualTo(200);
  }

  @Test
  void anOutageHalfWayThroughAGroupOfInsertsLeavesNothingTwiceAndNothingMissing() {
    Instant day1 = Instant.parse("2026-11-21T12:00:00Z");
    Instant day2 = Instant.parse("2026-11-22T12:00:00Z");
    config = config.withLimits(1_000, 1L << 30);
    List<WalRecord> records = new ArrayList<>();
    for (int r = 0; r < 30; r++) {
      List<Ping> pings = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        boolean late = i % 3 == 0;
        String instance = r == 25 && i == 4 ? "trap" : "inst-" + i % 7;
        pings.add(TestPings.ping(instance, "r" + r + "-" + i).at((late ? day1 : day2).plusSeconds(r)).build());
      }
      records.add(record(pings.toArray(Ping[]::new)));
    }
    List<WalReader.Entry> entries = Records.entries(1, records.toArray(WalRecord[]::new));
    long stored;
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
      // A failure that is not about the data (division by zero stands in for a server error) on one
      // row of day 2, whose chunks go after day 1's: day 1 is stored whole, day 2 up to the chunk before.
      query("ALTER TABLE " + db + ".pings ADD COLUMN trap UInt8 MATERIALIZED intDiv(1, toUInt8(instance_id != 'trap'))");
      deliver(store, entries);
      assertThatThrownBy(() -> flush(store)).isInstanceOf(ClickHouseFailure.class).hasMessageContaining("Code: 153");
      // Nothing of the group counts as stored: WAL retention keeps all of it.
      assertThat(store.durablePosition()).isEqualTo(Wal.NONE);
      stored = count("count()");
      assertThat(stored).isGreaterThan(1000).isLessThan(3000);
      query("ALTER TABLE " + db + ".pings DROP COLUMN trap");
    }
    // Closing after the failure inserted nothing more (the buffer is partly in ClickHouse already).
    assertThat(count("count()")).isEqualTo(stored);
    try (ClickHouseColdStore store = open(config)) {
      long resume = store.resumePosition();
      assertThat(resume).isEqualTo(0);
      deliver(store, entries.subList((int) resume, entries.size()));
      flush(store);
    }
    assertThat(count("count()")).isEqualTo(3000);
    assertThat(count("uniqExact(instance_id, ping_id)")).isEqualTo(3000);
  }

  @Test
  void anOutageInTheGroupThatRepairsAnEarlierOutageLeavesNothingTwice() {
    Instant day1 = Instant.parse("2026-11-21T12:00:00Z");
    Instant day2 = Instant.parse("2026-11-22T12:00:00Z");
    config = config.withLimits(1_000, 1L << 30);
    List<WalRecord> records = new ArrayList<>();
    for (int r = 0; r < 40; r++) {
      List<Ping> pings = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        // Records 30..39 come later and are all of day 2: the second group has new rows of day 2 only.
        boolean late = r < 30 && i % 3 == 0;
        String instance = r == 25 && i == 4 ? "trap-a" : r == 35 && i == 4 ? "trap-b" : "inst-" + i % 7;
        pings.add(TestPings.ping(instance, "r" + r + "-" + i).at((late ? day1 : day2).plusSeconds(r)).build());
      }
      records.add(record(pings.toArray(Ping[]::new)));
    }
    List<WalReader.Entry> entries = Records.entries(1, records.toArray(WalRecord[]::new));
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
      query("ALTER TABLE " + db + ".pings ADD COLUMN trap_a UInt8 MATERIALIZED intDiv(1, toUInt8(instance_id != 'trap-a'))");
      deliver(store, entries.subList(0, 30));
      assertThatThrownBy(() -> flush(store)).isInstanceOf(ClickHouseFailure.class);
      query("ALTER TABLE " + db + ".pings DROP COLUMN trap_a");
      query("ALTER TABLE " + db + ".pings ADD COLUMN trap_b UInt8 MATERIALIZED intDiv(1, toUInt8(instance_id != 'trap-b'))");
      // The repairing group: day 1's rows are all stored already, day 2's are not, and it fails again.
      assertThat(store.resumePosition()).isEqualTo(0);
      deliver(store, entries);
      assertThatThrownBy(() -> flush(store)).isInstanceOf(ClickHouseFailure.class);
      query("ALTER TABLE " + db + ".pings DROP COLUMN trap_b");
      long resume = store.resumePosition();
      deliver(store, entries.subList((int) resume, entries.size()));
      flush(store);
    }
    assertThat(count("count()")).isEqualTo(4000);
    assertThat(count("uniqExact(instance_id, ping_id)")).isEqualTo(4000);
  }

  @Test
  void aRowClickHouseRefusesIsQuarantinedWithItsPositionAndTheRestGoesInOnce() {
    List<WalRecord> records = new ArrayList<>(Arrays.asList(records("a", 10, 50)));
    records.set(6, record(TestPings.ping("inst-x", "ok-1").build(), TestPings.ping("poison", "bad-1").build(),
        TestPings.ping("inst-x", "ok-2").build()));
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
      query("ALTER TABLE " + db + ".pings ADD COLUMN guard UInt8 MATERIALIZED throwIf(instance_id = 'poison')");
      deliver(store, Records.entries(1, records.toArray(WalRecord[]::new)));
      flush(store);
      assertThat(store.durablePosition()).isEqualTo(10);
    }
    assertThat(count("count()")).isEqualTo(9 * 50 + 2);
    assertThat(query("SELECT wal_position, instance_id, ping_id, position(error, 'throwIf') > 0 FROM " + db
        + ".pings_quarantine FORMAT TabSeparated")).isEqualTo("7\tpoison\tbad-1\t1\n");
  }

  @Test
  void aTableThatRefusesEveryRowStopsTheStoreInsteadOfQuarantiningEverything() {
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
      query("ALTER TABLE " + db + ".pings ADD COLUMN guard UInt8 MATERIALIZED throwIf(length(ping_id) > 0)");
      deliver(store, Records.entries(1, records("a", 3, 50)));
      assertThatThrownBy(() -> flush(store)).isInstanceOf(IllegalStateException.class).hasMessageContaining("refuses more than");
      assertThat(store.durablePosition()).isEqualTo(Wal.NONE);
    }
    assertThat(query("SELECT count() FROM " + db + ".pings_quarantine FORMAT TabSeparated").trim())
        .isEqualTo(Integer.toString(ClickHouseColdStore.MAX_QUARANTINED_PER_FLUSH));
    assertThat(count("count()")).isZero();
  }

  @Test
  void migrationsAreRecordedSafeToRunAgainAndAddAColumnDeclaredLater() {
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
    }
    config = config.withColumns(List.of("lang"), List.of());
    for (int run = 0; run < 2; run++) {
      try (ClickHouseColdStore store = open(config)) {
        store.resumePosition();
        deliver(store, Records.entries(1 + run, record(TestPings.ping("i", "p" + run).dimension("lang", "go").build())));
        flush(store);
      }
    }
    assertThat(query("SELECT name FROM " + db + ".schema_migrations FINAL ORDER BY name FORMAT TabSeparated"))
        .isEqualTo("0001_create_pings\n0002_create_cold_inserts\n0003_create_pings_quarantine\nadd_column_d_lang\n");
    assertThat(query("SELECT d_lang, count() FROM " + db + ".pings GROUP BY d_lang FORMAT TabSeparated")).isEqualTo("go\t2\n");
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
  }

  private static WalRecord[] records(String prefix, int count, int pingsEach) {
    WalRecord[] records = new WalRecord[count];
    for (int r = 0; r < count; r++) {
      records[r] = record(Records.pings(prefix + r, pingsEach));
    }
    return records;
  }

  private static void deliver(ClickHouseColdStore store, List<WalReader.Entry> entries) {
    try (ColumnBatch batch = ColumnBatch.of(entries)) {
      store.accept(batch);
    }
  }

  /** Two ticks a flush interval apart: the buffered group goes in. */
  protected void flush(ClickHouseColdStore store) {
    long now = System.currentTimeMillis();
    store.tick(now);
    store.tick(now + config.flushInterval().toMillis());
  }

  private long count(String aggregate) {
    return Long.parseLong(query("SELECT " + aggregate + " FROM " + db + ".pings FORMAT TabSeparated").trim());
  }
}
