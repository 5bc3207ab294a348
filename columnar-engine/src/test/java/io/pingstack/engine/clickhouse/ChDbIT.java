package io.pingstack.engine.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The modern ClickHouse DDL and queries (23.8+, which Debian's 18.16 cannot run) on ClickHouse 26.x
 * in-process through chDB. One session for the class; each test works in its own database.
 */
class ChDbIT {
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

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

  /** One ping as the cold store keeps it: metrics in a Map column. */
  private record Ping(String instanceId, String event, Instant ts, double latencyMs, double cpu) {
    String values() {
      return "('" + instanceId + "', '" + event + "', '" + MICROS.format(ts) + "', {'latency_ms': " + latencyMs
          + ", 'cpu': " + cpu + "})";
    }
  }

  /** {@code count} pings over the last three days, microsecond timestamps, metrics in quarters. */
  private static List<Ping> pings(int count, Instant now) {
    return pings(count, now, Duration.ofDays(3));
  }

  /** {@code count} pings in the {@code span} before {@code newest}; the same count, newest and span, the same pings. */
  private static List<Ping> pings(int count, Instant newest, Duration span) {
    Random random = new Random(42);
    String[] events = {"search.executed", "user.signed_in", "index.rebuilt"};
    List<Ping> pings = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Instant ts = newest.minus(Duration.ofSeconds(random.nextInt((int) span.toSeconds()))).plusNanos(random.nextInt(1_000_000) * 1000L);
      pings.add(new Ping("inst-" + random.nextInt(37), events[random.nextInt(events.length)], ts,
          random.nextInt(4000) / 4.0, random.nextInt(400) / 4.0));
    }
    return pings;
  }

  private static String insertValues(String table, List<Ping> pings) {
    return "INSERT INTO " + table + " (instance_id, event, ts, metrics) VALUES "
        + pings.stream().map(Ping::values).collect(Collectors.joining(", "));
  }

  private static List<String[]> rows(String tsv) {
    return tsv.lines().map(line -> line.split("\t", -1)).toList();
  }

  /** ClickHouse's {@code quantile} below 8192 values: the sorted values, linearly interpolated. */
  private static double interpolatedQuantile(double level, double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double index = level * (sorted.length - 1);
    int left = (int) index;
    if (left + 1 == sorted.length) {
      return sorted[left];
    }
    return sorted[left] * (left + 1 - index) + sorted[left + 1] * (index - left);
  }

  private static void createPingsTable(String table, String settings) {
    chdb.query("CREATE TABLE " + table + " ("
        + " instance_id LowCardinality(String),"
        + " event LowCardinality(String),"
        + " ts DateTime64(6, 'UTC') CODEC(Delta, ZSTD(3)),"
        + " metrics Map(String, Float64) CODEC(ZSTD(1))"
        + ") ENGINE = MergeTree"
        + " PARTITION BY toDate(ts)"
        + " ORDER BY (event, instance_id, ts)"
        + " TTL toDateTime(ts) + INTERVAL 400 DAY"
        + (settings.isEmpty() ? "" : " SETTINGS " + settings));
  }

  /** A pings table in a new {@code database} that deduplicates inserts (the last 100 blocks). */
  private static String tableWithDedupWindow(String database) {
    chdb.query("CREATE DATABASE " + database);
    String table = database + ".pings";
    createPingsTable(table, "non_replicated_deduplication_window = 100");
    return table;
  }

  private static void insertWithToken(String table, List<Ping> pings, String token) {
    chdb.query(insertValues(table, pings).replace(" VALUES ", " SETTINGS insert_deduplication_token = '" + token + "' VALUES "));
  }

  private static Instant noonToday() {
    return LocalDate.now(ZoneOffset.UTC).atTime(12, 0).toInstant(ZoneOffset.UTC);
  }

  @Test
  void runsClickHouse26() {
    assertThat(chdb.version()).startsWith("26.");
    assertThat(ChDb.libraryVersion()).startsWith("26.");
  }

  @Test
  void modernMergeTreeTableKeepsTypesCodecsAndPartitions() {
    chdb.query("CREATE DATABASE modern");
    createPingsTable("modern.pings", "");
    List<Ping> pings = pings(240, Instant.now().truncatedTo(ChronoUnit.MICROS));

    chdb.query(insertValues("modern.pings", pings));

    assertThat(rows(chdb.query("SELECT name, type, compression_codec FROM system.columns"
        + " WHERE database = 'modern' AND table = 'pings' ORDER BY position")))
        .containsExactly(
            new String[] {"instance_id", "LowCardinality(String)", ""},
            new String[] {"event", "LowCardinality(String)", ""},
            new String[] {"ts", "DateTime64(6, \\'UTC\\')", "CODEC(Delta(8), ZSTD(3))"},
            new String[] {"metrics", "Map(String, Float64)", "CODEC(ZSTD(1))"});
    long days = pings.stream().map(p -> LocalDate.ofInstant(p.ts(), ZoneOffset.UTC)).distinct().count();
    assertThat(chdb.query("SELECT uniqExact(partition) FROM system.parts"
        + " WHERE database = 'modern' AND table = 'pings' AND active")).isEqualTo(days + "\n");
    Instant newest = pings.stream().map(Ping::ts).max(Instant::compareTo).orElseThrow();
    assertThat(chdb.query("SELECT max(ts) FROM modern.pings")).isEqualTo(MICROS.format(newest) + "\n");
  }

  @Test
  void aggregatesOverMapMetricsMatchWhatTheTestComputes() {
    chdb.query("CREATE DATABASE aggregates");
    createPingsTable("aggregates.pings", "");
    List<Ping> pings = pings(240, Instant.now().truncatedTo(ChronoUnit.MICROS));
    chdb.query(insertValues("aggregates.pings", pings));

    String[] row = rows(chdb.query("SELECT count(), sum(metrics['latency_ms']), uniqExact(instance_id),"
        + " quantile(0.9)(metrics['latency_ms']), max(metrics['cpu']) FROM aggregates.pings")).get(0);

    double[] latencies = pings.stream().mapToDouble(Ping::latencyMs).toArray();
    assertThat(Long.parseLong(row[0])).isEqualTo(pings.size());
    assertThat(Double.parseDouble(row[1])).isEqualTo(Arrays.stream(latencies).sum()); // quarters: exact
    assertThat(Long.parseLong(row[2])).isEqualTo(pings.stream().map(Ping::instanceId).distinct().count());
    assertThat(Double.parseDouble(row[3])).isCloseTo(interpolatedQuantile(0.9, latencies), within(1e-9));
    assertThat(Double.parseDouble(row[4])).isEqualTo(pings.stream().mapToDouble(Ping::cpu).max().orElseThrow());

    String perEvent = chdb.query("SELECT event, count() FROM aggregates.pings GROUP BY event ORDER BY event");
    String expected = pings.stream().collect(Collectors.groupingBy(Ping::event, Collectors.counting()))
        .entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "\t" + e.getValue() + "\n").collect(Collectors.joining());
    assertThat(perEvent).isEqualTo(expected);
  }

  @Test
  void rowsPastTheTtlAreDroppedByAMerge() {
    chdb.query("CREATE DATABASE ttl");
    createPingsTable("ttl.pings", "");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    List<Ping> fresh = pings(10, now);
    Ping expired = new Ping("inst-old", "search.executed", now.minus(Duration.ofDays(401)), 1.0, 1.0);
    chdb.query(insertValues("ttl.pings", fresh));
    chdb.query(insertValues("ttl.pings", List.of(expired)));

    chdb.query("OPTIMIZE TABLE ttl.pings FINAL");

    assertThat(chdb.query("SELECT count(), countIf(instance_id = 'inst-old') FROM ttl.pings"))
        .isEqualTo(fresh.size() + "\t0\n");
  }

  @Test
  void badSqlFailsWithClickHousesMessageAndTheSessionKeepsWorking() {
    assertThatThrownBy(() -> chdb.query("SELEC 1"))
        .isInstanceOf(ChDb.ChDbException.class)
        .hasMessageContaining("SELEC 1")
        .hasMessageContaining("Syntax error")
        .hasMessageContaining("(SYNTAX_ERROR)");
    assertThatThrownBy(() -> chdb.query("SELECT count() FROM no_such_db.no_such_table"))
        .isInstanceOf(ChDb.ChDbException.class)
        .hasMessageContaining("UNKNOWN_DATABASE");

    assertThat(chdb.query("SELECT 1 + 1")).isEqualTo("2\n");
    assertThat(chdb.query("SELECT 1 AS one", "JSONEachRow")).isEqualTo("{\"one\":1}\n");
  }

  /** Production (23.8) inserts synchronously; 26.x defaults to async_insert=1. Both must hold. */
  @ParameterizedTest(name = "async_insert={0}")
  @ValueSource(ints = {0, 1})
  void anInsertRepeatedWithTheSameDeduplicationTokenIsStoredOnce(int asyncInsert) {
    String table = tableWithDedupWindow("dedup_token_" + asyncInsert);
    List<Ping> batch = pings(5, Instant.now().truncatedTo(ChronoUnit.MICROS));
    String insert = insertValues(table, batch).replace(" VALUES ",
        " SETTINGS async_insert = " + asyncInsert + ", insert_deduplication_token = 'wal-1200-1204' VALUES ");

    chdb.query(insert);
    chdb.query(insert); // the retry after a lost acknowledgement

    assertThat(chdb.query("SELECT count() FROM " + table)).isEqualTo(batch.size() + "\n");
    chdb.query(insert.replace("wal-1200-1204", "wal-1205-1209"));
    assertThat(chdb.query("SELECT count() FROM " + table)).isEqualTo(2 * batch.size() + "\n");
  }

  /**
   * One day's rows, as the cold store sends them (one INSERT per day): the token names the whole
   * block. The rows are fixed to one day so that the wall clock cannot split them across partitions
   * (see the next test for what a split does).
   */
  @Test
  void aTokenAlreadySeenDropsTheBlockEvenWithOtherRows() {
    String table = tableWithDedupWindow("dedup_same_token");
    Instant noon = noonToday();

    insertWithToken(table, pings(3, noon, Duration.ofHours(6)), "wal-7");
    insertWithToken(table, pings(4, noon.minusSeconds(60), Duration.ofHours(6)), "wal-7");

    assertThat(chdb.query("SELECT count() FROM " + table)).isEqualTo("3\n");
  }

  /**
   * An INSERT whose rows fall on several days is written as one part per partition, and the token
   * is matched per partition: a second INSERT with the same token drops its part of a day the first
   * one had, whatever its rows, and keeps its part of a new day. So a token names one day's rows only
   * when the INSERT holds one day, as the cold store's do; the test above keeps its rows on one day
   * for that reason (with rows over three days it kept a fourth when run from 03:07 to 03:34 UTC).
   */
  @Test
  void aTokenIsMatchedPerPartitionSoAnInsertReachingANewDayKeepsThatDay() {
    String table = tableWithDedupWindow("dedup_split");
    Instant noon = noonToday();
    Ping today = new Ping("inst-1", "search.executed", noon, 1.0, 1.0);
    Ping yesterday = new Ping("inst-2", "search.executed", noon.minus(Duration.ofDays(1)), 2.0, 2.0);
    Ping otherToday = new Ping("inst-3", "user.signed_in", noon.plusSeconds(60), 3.0, 3.0);

    insertWithToken(table, List.of(today), "wal-8");
    insertWithToken(table, List.of(otherToday, yesterday), "wal-8");

    assertThat(chdb.query("SELECT instance_id FROM " + table + " ORDER BY instance_id")).isEqualTo("inst-1\ninst-2\n");
  }

  @Test
  void withADeduplicationWindowAnIdenticalBlockWithoutTokenIsDroppedToo() {
    String table = tableWithDedupWindow("dedup_no_token");
    String insert = insertValues(table, pings(3, Instant.now().truncatedTo(ChronoUnit.MICROS)));

    chdb.query(insert);
    chdb.query(insert);

    assertThat(chdb.query("SELECT count() FROM " + table)).isEqualTo("3\n");
  }
}
