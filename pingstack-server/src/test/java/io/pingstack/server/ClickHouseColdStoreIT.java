package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.engine.clickhouse.ClickHouseProcess;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service with ClickHouse (a real clickhouse-server, Debian's 18.16 here) as its cold store:
 * every accepted ping in ClickHouse exactly once through kill -9s of the service during inserts and
 * a ClickHouse outage of minutes; ClickHouse's own aggregates equal the hot rollups; cold reads.
 */
class ClickHouseColdStoreIT {
  private static final int KILLS = 4;
  private static final Duration OUTAGE = Duration.ofMinutes(2);
  private static final int BATCH = 100;

  @TempDir Path dir;

  @Test
  void killNineDuringInsertsAndAClickHouseOutageOfMinutesLoseNothingAndStoreNothingTwice() throws Exception {
    Path data = dir.resolve("data");
    try (ClickHouseProcess clickhouse = ClickHouseProcess.start()) {
      String[] settings = {
          "PINGSTACK_CLICKHOUSE_URL", clickhouse.httpUrl(),
          "PINGSTACK_CLICKHOUSE_DATABASE", "e2e",
          "PINGSTACK_NODE_NAME", "node-it",
          "PINGSTACK_CLICKHOUSE_FLUSH_INTERVAL", "200ms"};
      // Paced (about 5,000 pings/s per client): load, not a flood that the test's own ledger cannot hold.
      AckedLoad load = new AckedLoad(BATCH, 11, Duration.ofMillis(20));
      for (int round = 0; round < KILLS; round++) {
        try (ChildServer server = ChildServer.start(data, dir.resolve("service.log"), "256m", settings)) {
          long before = storedRows(clickhouse);
          load.start(server.port, 2);
          await("rows of this incarnation in ClickHouse", () -> storedRows(clickhouse) > before + 500);
          server.kill9();
          load.stop();
        }
      }
      try (ChildServer server = ChildServer.start(data, dir.resolve("service.log"), "256m", settings)) {
        load.start(server.port, 1);
        long before = storedRows(clickhouse);
        await("rows of this incarnation in ClickHouse", () -> storedRows(clickhouse) > before);
        clickhouse.kill();
        long outageEnds = System.nanoTime() + OUTAGE.toNanos();
        int ackedAtKill = load.ledger.size();
        await("acknowledgements while ClickHouse is down", () -> load.ledger.size() > ackedAtKill + 20 * BATCH);
        Map<String, Double> during = metrics(server.port);
        assertThat(during.get("pingstack_consumer_lag_records{consumer=\"cold\"}")).isPositive();
        assertThat(during.get("pingstack_consumer_failures_total{consumer=\"cold\"}")).isPositive();
        while (System.nanoTime() < outageEnds) {
          // The outage itself: ingest must go on acknowledging all along.
          int acked = load.ledger.size();
          await(() -> "acknowledgements while ClickHouse is down; client failure: " + load.failure + "; service log:\n"
              + logTail(server), () -> load.ledger.size() > acked);
          LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
        }
        Map<String, Double> late = metrics(server.port);
        assertThat(late.get("pingstack_consumer_lag_seconds{consumer=\"cold\"}")).isGreaterThan(60);
        assertThat(late.get("pingstack_consumer_durable_lag_seconds{consumer=\"cold\"}")).isGreaterThan(60);
        assertThat(late.get("pingstack_consumer_durable_lag_records{consumer=\"cold\"}"))
            .isGreaterThanOrEqualTo(late.get("pingstack_consumer_lag_records{consumer=\"cold\"}")).isPositive();
        assertThat(late.get("pingstack_wal_first_position")).isLessThanOrEqualTo(late.get("pingstack_clickhouse_durable_position") + 1);
        clickhouse.restart();
        load.stop();
        await("the cold store catching up after the outage",
            () -> metrics(server.port).get("pingstack_consumer_durable_lag_records{consumer=\"cold\"}") == 0);
        assertThat(metrics(server.port).get("pingstack_consumer_lag_records{consumer=\"cold\"}")).isZero();
      }
      assertThat(load.ledger).isNotEmpty();
      List<String> stored = Arrays.asList(clickhouse.query("SELECT instance_id, ping_id FROM e2e.pings FORMAT TabSeparated")
          .split("\n"));
      List<String> inWal = Servers.walPings(data).stream().map(p -> p.getInstanceId() + "\t" + p.getPingId()).toList();
      assertThat(new HashSet<>(stored)).hasSize(stored.size()).isEqualTo(new HashSet<>(inWal));
      assertThat(stored).hasSize(inWal.size());
      Set<String> storedIds = new HashSet<>();
      stored.forEach(line -> storedIds.add(line.substring(line.indexOf('\t') + 1)));
      Set<String> missing = new HashSet<>(load.ledger);
      missing.removeAll(storedIds);
      assertThat(missing).as("acknowledged pings missing from ClickHouse").isEmpty();
    }
  }

  @Test
  void clickHouseAggregatesEqualTheHotRollupsAndOldRangesAndRawPingsAreAnsweredFromIt() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Random random = new Random(11);
    List<Ping> sent = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      boolean old = i % 3 == 0;
      Instant at = old ? now.minus(Duration.ofHours(3)).plusSeconds(random.nextInt(3600)) : now.minusSeconds(random.nextInt(1800));
      TestPings.Builder ping = TestPings.ping("inst-" + random.nextInt(40), "p-" + i).at(at)
          .version(random.nextBoolean() ? "5.3.0" : "5.4.1").dimension("lang", random.nextBoolean() ? "go" : "java");
      if (random.nextInt(5) != 0) {
        ping.metric("duration_ms", random.nextInt(4000) / 8.0);
      }
      sent.add(ping.build());
    }
    try (ClickHouseProcess clickhouse = ClickHouseProcess.start();
        PingstackServer server = PingstackServer.start(ServerConfig.load(Servers.env(dir.resolve("data"),
            "PINGSTACK_CLICKHOUSE_URL", clickhouse.httpUrl(),
            "PINGSTACK_CLICKHOUSE_DATABASE", "agg",
            "PINGSTACK_CLICKHOUSE_DIMENSIONS", "lang",
            "PINGSTACK_CLICKHOUSE_FLUSH_INTERVAL", "100ms",
            "PINGSTACK_ROLLUPS_DIMENSIONS", "lang",
            "PINGSTACK_ROLLUPS_MINUTE_RETENTION", "1h")))) {
      int port = server.httpPort();
      for (int i = 0; i < sent.size(); i += BATCH) {
        HttpResponse<String> r = Servers.post(port, "application/x-protobuf",
            TestPings.protoBody(sent.subList(i, i + BATCH).toArray(Ping[]::new)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      Servers.awaitEventCounts(port, Map.of("search.executed", (long) sent.size()), Duration.ofSeconds(30));
      await("every ping in ClickHouse", () -> Long.parseLong(clickhouse.query("SELECT count() FROM agg.pings FORMAT TabSeparated").trim())
          == sent.size());

      // The last hour per minute and version, hot, against the same aggregates computed by ClickHouse.
      // A range reaching back past the 1 h retention would be answered by ClickHouse itself, so its
      // start is read from the clock now (the server took a while to start): 58 minutes back, rounded
      // down to the minute, so at most 59 minutes back when the query is made.
      long from = Instant.now().minus(Duration.ofMinutes(58)).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
      assertThat(from).as("the recent pings lie inside the hot range").isLessThanOrEqualTo(now.minus(Duration.ofMinutes(30)).toEpochMilli());
      long to = now.plus(Duration.ofMinutes(1)).toEpochMilli();
      RollupAnswer hot = RollupAnswer.parse(Servers.get(port, "/v1/rollups?event=search.executed&step=1m&from=" + from + "&to=" + to
          + "&agg=count,distinct_instances,sum,min,max&metric=duration_ms&group_by=version").body());
      Map<Map<String, String>, TreeMap<Long, Map<String, Double>>> computed = new HashMap<>();
      for (String line : clickhouse.query("SELECT version, intDiv(timestamp, 60000000) * 60000 AS t, count(),"
          + " uniqExact(instance_id), sumIf(metric_values[indexOf(metric_keys, 'duration_ms')], has(metric_keys, 'duration_ms')),"
          + " minIf(metric_values[indexOf(metric_keys, 'duration_ms')], has(metric_keys, 'duration_ms')),"
          + " maxIf(metric_values[indexOf(metric_keys, 'duration_ms')], has(metric_keys, 'duration_ms'))"
          + " FROM agg.pings WHERE timestamp >= " + from * 1000 + " AND timestamp < " + to * 1000
          + " GROUP BY version, t FORMAT TabSeparated").split("\n")) {
        String[] f = line.split("\t");
        computed.computeIfAbsent(Map.of("version", f[0]), g -> new TreeMap<>()).put(Long.parseLong(f[1]), Map.of(
            "count", Double.parseDouble(f[2]), "distinct_instances", Double.parseDouble(f[3]), "sum", Double.parseDouble(f[4]),
            "min", Double.parseDouble(f[5]), "max", Double.parseDouble(f[6])));
      }
      assertThat(hot.series()).isEqualTo(computed);

      // Three hours back per minute is past the 1 h minute retention: answered from ClickHouse, exactly.
      long oldFrom = now.minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
      long oldTo = now.minus(Duration.ofHours(2)).plus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
      RollupAnswer cold = RollupAnswer.parse(Servers.get(port, "/v1/rollups?event=search.executed&step=1m&from=" + oldFrom
          + "&to=" + oldTo + "&agg=count,p95&metric=duration_ms&filter=dimension.lang=go").body());
      TreeMap<Long, List<Ping>> buckets = new TreeMap<>();
      for (Ping p : sent) {
        long t = p.getTimestamp().getSeconds() * 1000;
        if (t >= oldFrom && t < oldTo && p.getDimensionsMap().get("lang").equals("go")) {
          buckets.computeIfAbsent(t - Math.floorMod(t, 60_000), b -> new ArrayList<>()).add(p);
        }
      }
      assertThat(cold.series().get(Map.of()).keySet()).isEqualTo(buckets.keySet());
      buckets.forEach((t, pings) -> {
        double[] values = pings.stream().filter(p -> p.getMetricsMap().containsKey("duration_ms"))
            .mapToDouble(p -> p.getMetricsMap().get("duration_ms")).sorted().toArray();
        Map<String, Double> point = cold.series().get(Map.of()).get(t);
        assertThat(point.get("count")).isEqualTo(pings.size());
        assertThat(point.get("p95")).isEqualTo(values.length == 0 ? null : values[(int) Math.floor(0.95 * (values.length - 1))]);
      });

      HttpResponse<String> raw = Servers.get(port, "/v1/raw?instance_id=inst-7&from=" + (oldFrom - 3_600_000) + "&to=" + to);
      assertThat(raw.statusCode()).isEqualTo(200);
      long expected = sent.stream().filter(p -> p.getInstanceId().equals("inst-7")).count();
      assertThat(Pattern.compile("\"ping_id\"").matcher(raw.body()).results().count()).isEqualTo(expected);
      assertThat(raw.body()).contains("\"truncated\":false").contains("\"ingest_node\"");
      assertThat(Servers.get(port, "/v1/raw?instance_id=inst-7&from=" + to + "&to=" + from).statusCode()).isEqualTo(400);
    }
  }

  /** Rows in e2e.pings; 0 until the cold store has created it (the service is ready before its consumers). */
  private static long storedRows(ClickHouseProcess clickhouse) {
    return Long.parseLong(clickhouse.query("SELECT toUInt64(sum(rows)) FROM system.parts WHERE database = 'e2e' AND table = 'pings'"
        + " AND active FORMAT TabSeparated").trim());
  }

  private static final Pattern SAMPLE = Pattern.compile("^(pingstack_[a-z_]+(?:\\{[^}]*\\})?) (\\S+)$", Pattern.MULTILINE);

  private static Map<String, Double> metrics(int port) {
    try {
      Map<String, Double> samples = new HashMap<>();
      Matcher m = SAMPLE.matcher(Servers.get(port, "/metrics").body());
      while (m.find()) {
        samples.put(m.group(1), Double.parseDouble(m.group(2)));
      }
      return samples;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String logTail(ChildServer server) {
    try {
      return server.logTail();
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static void await(String what, BooleanSupplier condition) {
    await(() -> what, condition);
  }

  private static void await(java.util.function.Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(() -> "waiting for: " + what.get()).isLessThan(deadline);
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }
}
