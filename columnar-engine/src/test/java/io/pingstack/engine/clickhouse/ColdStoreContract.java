package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.ConsumerConfig;
import io.pingstack.engine.ConsumerMetrics;
import io.pingstack.engine.HookedReplayLog;
import io.pingstack.engine.Records;
import io.pingstack.engine.ReplayLog;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.engine.ReplayProgress;
import io.pingstack.engine.WalConsumer;
import io.pingstack.engine.WalReplayLog;
import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void rowsGoInInTheTablesKeyOrderSoTheServerNeedNotSortThem() {
    // twoDays cycles through four instance ids record after record: in WAL order the rows are not in key order.
    long blocks = serverEvent("MergeTreeDataWriterBlocks");
    long alreadySorted = serverEvent("MergeTreeDataWriterBlocksAlreadySorted");
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, twoDays());
    }
    long written = serverEvent("MergeTreeDataWriterBlocks") - blocks;
    // Three groups, each a row in cold_inserts and an INSERT per day into pings.
    assertThat(written).isGreaterThanOrEqualTo(9);
    assertThat(serverEvent("MergeTreeDataWriterBlocksAlreadySorted") - alreadySorted).isEqualTo(written);
    assertThat(count("count()")).isEqualTo(TWO_DAYS_ROWS);
  }

  /** A counter of the server's {@code system.events} (0 until it first counts). */
  private long serverEvent(String name) {
    return Long.parseLong(query("SELECT sum(value) FROM system.events WHERE event = '" + name + "' FORMAT TabSeparated").trim());
  }

  @Test
  void aResumeWithoutItsRecordInColdInsertsSkipsEveryStoredRowOfTheLastRecord() {
    // The last record's rows lie in two partitions, so ClickHouse answers what it holds of them in several blocks.
    List<WalReader.Entry> entries = Records.entries(1, twoDaysRecord(0), twoDaysRecord(1), twoDaysRecord(2));
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
    }
    query("ALTER TABLE " + db + ".cold_inserts DELETE WHERE 1 = 1");
    Records.await("the delete is done", () -> query("SELECT count() FROM " + db + ".cold_inserts FORMAT TabSeparated").trim().equals("0"));
    try (ClickHouseColdStore store = open(config)) {
      long resume = store.resumePosition();
      assertThat(resume).isEqualTo(2);
      deliver(store, entries.subList((int) resume, entries.size()));
      flush(store);
    }
    assertThat(count("count()")).isEqualTo(3 * 25);
    assertThat(count("uniqExact(wal_position, instance_id, ping_id)")).isEqualTo(3 * 25);
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

  @Test
  void aReplayAfterADroppedPartitionRestoresExactlyTheRowsThereWereAndASecondOneWritesNothing() {
    List<WalReader.Entry> entries = twoDays();
    String table;
    String perDay;
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      table = table();
      perDay = perDay();
      dropPartition(DAY1);
      long left = count("count()");
      assertThat(left).isLessThan(TWO_DAYS_ROWS);
      ReplayOutcome outcome = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT);
      assertThat(outcome.target()).isEqualTo("cold");
      assertThat(outcome.count("records_read")).isEqualTo(entries.size());
      assertThat(outcome.count("rows_written")).isEqualTo(TWO_DAYS_ROWS - left);
      assertThat(outcome.count("rows_lacking_" + DAY1.toString().substring(0, 10))).isEqualTo(TWO_DAYS_ROWS - left);
      assertThat(outcome.count("rows_present")).isEqualTo(left);
      assertThat(outcome.count("days")).isEqualTo(1);
      assertThat(table()).isEqualTo(table);
      assertThat(perDay()).isEqualTo(perDay);

      ReplayOutcome again = store.replay(new EntriesReplayLog(entries, 7), 1, entries.size(), ReplayOptions.DEFAULT);
      assertThat(again.count("rows_lacking")).isZero();
      assertThat(again.count("rows_written")).isZero();
      assertThat(again.count("rows_present")).isEqualTo(TWO_DAYS_ROWS);
    }
    assertThat(table()).isEqualTo(table);
  }

  @Test
  void aReplayOfWhatIsStoredWritesNothing() {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      String table = table();
      String parts = activeParts();
      ReplayOutcome outcome = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT);
      assertThat(outcome.count("rows_read")).isEqualTo(TWO_DAYS_ROWS);
      assertThat(outcome.count("rows_present")).isEqualTo(TWO_DAYS_ROWS);
      assertThat(outcome.count("rows_written")).isZero();
      assertThat(outcome.summary()).contains("0 rows lacking");
      assertThat(table()).isEqualTo(table);
      assertThat(activeParts()).isEqualTo(parts);
    }
  }

  @Test
  void aRebuildLeavesExactlyOneCopyOfEveryRowEachTimeItRuns() {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      String table = table();
      String perDay = perDay();
      // The live path's last group (records 17..24) may be read again by its next resume: a rebuild
      // keeps it and only fills what it lacks.
      long rewritten = (16 - 3 + 1) * 25;
      for (int run = 0; run < 2; run++) {
        ReplayOutcome outcome = store.replay(new EntriesReplayLog(entries, 5), 3, entries.size(), new ReplayOptions(false, true));
        assertThat(outcome.count("rows_deleted")).as("run %d", run).isEqualTo(rewritten);
        assertThat(outcome.count("rows_written")).as("run %d", run).isEqualTo(rewritten);
        assertThat(outcome.count("rows_present")).as("run %d", run).isEqualTo(8 * 25);
        assertThat(table()).as("run %d", run).isEqualTo(table);
        assertThat(perDay()).as("run %d", run).isEqualTo(perDay);
      }
    }
  }

  @Test
  void aDryRunChangesNothingAndReportsWhatIsLackingPerDay() {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      dropPartition(DAY2);
      long left = count("count()");
      String table = table();
      String parts = activeParts();
      ReplayOutcome dry = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), new ReplayOptions(true, false));
      assertThat(dry.count("rows_lacking")).isEqualTo(TWO_DAYS_ROWS - left);
      assertThat(dry.count("rows_lacking_" + DAY2.toString().substring(0, 10))).isEqualTo(TWO_DAYS_ROWS - left);
      assertThat(dry.count("rows_lacking_" + DAY1.toString().substring(0, 10))).isZero();
      assertThat(dry.count("rows_written")).isZero();
      assertThat(dry.summary()).startsWith("dry run, nothing changed");
      ReplayOutcome dryRebuild = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), new ReplayOptions(true, true));
      assertThat(dryRebuild.count("rows_deleted")).isGreaterThan(0);
      assertThat(dryRebuild.count("rows_lacking")).isGreaterThan(dry.count("rows_lacking"));
      assertThat(table()).isEqualTo(table);
      assertThat(activeParts()).isEqualTo(parts);
      assertThat(query("SELECT count() FROM system.mutations WHERE database = '" + db + "' FORMAT TabSeparated").trim()).isEqualTo("0");
    }
  }

  /**
   * The live consumer goes on reading the WAL into the same store while a replay restores a dropped
   * day, and, half way through the replay, the live path fails and resumes: its resume reads the
   * records of its last group again, which the replay then leaves to it.
   */
  @Test
  void aReplayDuringLiveIngestAndALiveResumeLeavesEveryRowExactlyOnce(@TempDir Path walDir) throws Exception {
    AtomicInteger liveFailures = new AtomicInteger();
    AtomicInteger appended = new AtomicInteger();
    ConsumerMetrics metrics = new ConsumerMetrics() {
      @Override
      public void failed() {
        liveFailures.incrementAndGet();
      }
    };
    try (Wal wal = Records.openWal(walDir)) {
      long first = Records.append(wal, twoDaysRecord(0));
      ClickHouseColdStore store = open(config);
      ReplayOutcome outcome;
      try (WalConsumer live = WalConsumer.start("cold", wal, store, ConsumerConfig.defaults().withMaxRows(200), metrics)) {
        // Two rounds, so that the live path's last group is only part of the range.
        long last = Wal.NONE;
        for (int round = 0; round < 2; round++) {
          for (int r = round == 0 ? 1 : 0; r < 10; r++) {
            Records.append(wal, twoDaysRecord(appended.incrementAndGet()));
          }
          long end = wal.lastPosition();
          Records.await("the live path stores the records", () -> store.durablePosition() == end);
          last = end;
        }
        dropPartition(DAY1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread appender = new Thread(() -> {
          while (!stop.get()) {
            try {
              Records.append(wal, twoDaysRecord(appended.incrementAndGet()));
              Thread.sleep(10);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        });
        WalReplayLog log = new WalReplayLog(wal, "replay-it", ConsumerConfig.defaults().withMaxRows(120), 0, new ReplayProgress(), () -> false);
        AtomicBoolean started = new AtomicBoolean();
        ReplayLog withOutage = HookedReplayLog.before(log, () -> {
          if (started.compareAndSet(false, true)) {
            // ClickHouse refuses the live path's next group (not its rows): it fails, backs off and resumes.
            query("ALTER TABLE " + db + ".cold_inserts ADD COLUMN trap UInt8 MATERIALIZED intDiv(1, toUInt8(ingest_node = ''))");
            appender.start();
            Records.await("the live path failed and resumed", () -> liveFailures.get() >= 2);
          }
        });
        try {
          outcome = store.replay(withOutage, first, last, ReplayOptions.DEFAULT);
        } finally {
          log.close();
          query("ALTER TABLE " + db + ".cold_inserts DROP COLUMN trap");
          stop.set(true);
          appender.join();
        }
        long end = wal.lastPosition();
        Records.await("the live path stores everything", () -> store.durablePosition() == end);
        assertThat(live.failure()).isNull();
      }
      assertThat(outcome.count("rows_written")).isGreaterThan(0);
      assertThat(outcome.count("rows_left_to_live")).isGreaterThan(0);
      assertThat(outcome.count("rows_written") + outcome.count("rows_present") + outcome.count("rows_left_to_live"))
          .isEqualTo(20 * 25);
    }
    long rows = (appended.get() + 1) * 25L;
    assertThat(count("count()")).isEqualTo(rows);
    assertThat(count("uniqExact(wal_position, instance_id, ping_id)")).isEqualTo(rows);
  }

  @Test
  void aQuarantinedRowIsNotWrittenByAReplayEvenWhenTheTableWouldTakeItNow() {
    List<WalRecord> records = new ArrayList<>(Arrays.asList(records("a", 10, 50)));
    records.set(6, record(TestPings.ping("inst-x", "ok-1").build(), TestPings.ping("poison", "bad-1").build(),
        TestPings.ping("inst-x", "ok-2").build()));
    List<WalReader.Entry> entries = Records.entries(1, records.toArray(WalRecord[]::new));
    try (ClickHouseColdStore store = open(config)) {
      store.resumePosition();
      query("ALTER TABLE " + db + ".pings ADD COLUMN guard UInt8 MATERIALIZED throwIf(instance_id = 'poison')");
      deliver(store, entries);
      flush(store);
      query("ALTER TABLE " + db + ".pings DROP COLUMN guard");
      dropPartition(TestPings.T0);
      long left = count("count()");
      assertThat(left).isLessThan(9 * 50);
      ReplayOutcome outcome = store.replay(new EntriesReplayLog(entries, 4), 1, 10, ReplayOptions.DEFAULT);
      assertThat(outcome.count("rows_quarantined")).isEqualTo(1);
      assertThat(outcome.count("rows_written")).isEqualTo(9 * 50 + 2 - left);
    }
    assertThat(count("count()")).isEqualTo(9 * 50 + 2);
    assertThat(count("countIf(instance_id = 'poison')")).isZero();
  }

  @Test
  void aRowRefusedDuringAReplayIsQuarantinedAndTheRestIsRestored() {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      dropPartition(DAY1);
      long left = count("count()");
      query("ALTER TABLE " + db + ".pings ADD COLUMN guard UInt8 MATERIALIZED throwIf(ping_id = 'r4-3')");
      ReplayOutcome outcome = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT);
      query("ALTER TABLE " + db + ".pings DROP COLUMN guard");
      assertThat(outcome.count("rows_refused")).isEqualTo(1);
      assertThat(outcome.count("rows_written")).isEqualTo(TWO_DAYS_ROWS - left - 1);
    }
    assertThat(count("count()")).isEqualTo(TWO_DAYS_ROWS - 1);
    assertThat(query("SELECT wal_position, ping_id FROM " + db + ".pings_quarantine FORMAT TabSeparated")).isEqualTo("5\tr4-3\n");
  }

  @Test
  void aResumeAfterAReplayFindsTheRowsTheReplayWroteIntoTheLastGroup() {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      dropPartition(DAY1);
      store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT);
      assertThat(count("count()")).isEqualTo(TWO_DAYS_ROWS);
      // As after a failure: the consumer resumes and delivers the records after the resume position again.
      long resume = store.resumePosition();
      assertThat(resume).isEqualTo(16);
      deliver(store, entries.subList((int) resume, entries.size()));
      flush(store);
    }
    assertThat(count("count()")).isEqualTo(TWO_DAYS_ROWS);
    assertThat(count("uniqExact(wal_position, instance_id, ping_id)")).isEqualTo(TWO_DAYS_ROWS - 1);
  }

  /**
   * The race the lock on resumes is for, step by step: the live path resumes while a replay runs,
   * finds the dropped day's rows of its last group lacking and buffers them again; the replay must
   * then leave those records to it, or both would insert them.
   */
  @Test
  void aReplayLeavesTheLastGroupToALivePathThatResumedWhileItRan() {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ingest(store, entries);
      dropPartition(DAY1);
      AtomicBoolean resumed = new AtomicBoolean();
      ReplayLog log = HookedReplayLog.before(new EntriesReplayLog(entries, 5), () -> {
        if (resumed.compareAndSet(false, true)) {
          long resume = store.resumePosition();
          assertThat(resume).isEqualTo(16);
          deliver(store, entries.subList((int) resume, entries.size()));
        }
      });
      ReplayOutcome outcome = store.replay(log, 1, entries.size(), ReplayOptions.DEFAULT);
      flush(store);
      assertThat(count("count()")).isEqualTo(TWO_DAYS_ROWS);
      assertThat(count("uniqExact(wal_position, instance_id, ping_id)")).isEqualTo(TWO_DAYS_ROWS - 1);
      assertThat(outcome.count("rows_left_to_live")).isEqualTo(8 * 25);
    }
  }

  @Test
  void aReplayOfRecordsTheStoreHasNotMadeDurableLeavesThemToTheLivePath() {
    List<WalReader.Entry> entries = twoDays();
    try (ClickHouseColdStore store = open(config)) {
      ReplayOutcome before = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT);
      assertThat(before.count("rows_written")).isZero();
      assertThat(before.summary()).contains("nothing durable yet");
      store.resumePosition();
      deliver(store, entries.subList(0, 10));
      flush(store);
      deliver(store, entries.subList(10, entries.size()));
      dropPartition(DAY1);
      ReplayOutcome outcome = store.replay(new EntriesReplayLog(entries, 5), 1, entries.size(), ReplayOptions.DEFAULT);
      assertThat(outcome.count("records_read")).isEqualTo(10);
      assertThat(outcome.count("last_position")).isEqualTo(10);
      assertThat(outcome.summary()).contains("records after 10 are not yet durable");
      flush(store);
    }
    assertThat(count("count()")).isEqualTo(TWO_DAYS_ROWS);
    assertThat(count("uniqExact(wal_position, instance_id, ping_id)")).isEqualTo(TWO_DAYS_ROWS - 1);
  }

  static final Instant DAY1 = Instant.parse("2026-11-21T08:00:00Z");
  private static final Instant DAY2 = Instant.parse("2026-11-22T08:00:00Z");
  static final long TWO_DAYS_ROWS = 24 * 25;

  /** Record {@code r}: 25 pings, a third of them on day 1 and the rest on day 2, each with a metric. */
  private static WalRecord twoDaysRecord(int r) {
    Ping[] pings = new Ping[25];
    for (int i = 0; i < pings.length; i++) {
      Instant at = (i % 3 == 0 ? DAY1 : DAY2).plusSeconds(r * 60L + i);
      pings[i] = TestPings.ping("inst-" + i % 4, "r" + r + "-" + i).at(at).metric("duration_ms", r * 100 + i).build();
    }
    return record(pings);
  }

  /** 24 records at WAL 1..24 of {@link #twoDaysRecord}; record 10 holds its last ping twice. */
  static List<WalReader.Entry> twoDays() {
    WalRecord[] records = new WalRecord[24];
    for (int r = 0; r < records.length; r++) {
      records[r] = twoDaysRecord(r);
    }
    records[9] = records[9].toBuilder().setPings(24, records[9].getPings(23)).build();
    return Records.entries(1, records);
  }

  /** Ingests {@code entries} as the live path does, in three groups of 8 records. */
  void ingest(ClickHouseColdStore store, List<WalReader.Entry> entries) {
    store.resumePosition();
    for (int from = 0; from < entries.size(); from += 8) {
      deliver(store, entries.subList(from, Math.min(entries.size(), from + 8)));
      flush(store);
    }
    assertThat(store.durablePosition()).isEqualTo(entries.get(entries.size() - 1).position());
  }

  void dropPartition(Instant day) {
    query("ALTER TABLE " + db + ".pings DROP PARTITION '" + day.toString().substring(0, 10) + "'");
  }

  /** Every column of every row, in a fixed order. */
  private String table() {
    return query("SELECT * FROM " + db + ".pings ORDER BY wal_position, instance_id, ping_id, timestamp FORMAT TabSeparated");
  }

  private String perDay() {
    return query("SELECT toString(" + PingTable.day(modern()) + ") AS day, count(), uniqExact(wal_position, instance_id, ping_id),"
        + " sum(arraySum(metric_values)) FROM " + db + ".pings GROUP BY day ORDER BY day FORMAT TabSeparated");
  }

  private String activeParts() {
    return query("SELECT name FROM system.parts WHERE database = '" + db + "' AND table = 'pings' AND active ORDER BY name"
        + " FORMAT TabSeparated");
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

  long count(String aggregate) {
    return Long.parseLong(query("SELECT " + aggregate + " FROM " + db + ".pings FORMAT TabSeparated").trim());
  }
}
