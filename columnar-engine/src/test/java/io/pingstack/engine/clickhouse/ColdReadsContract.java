package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.Records;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Aggregates and raw reads from ClickHouse, checked against values computed here from the pings
 * sent: run by {@link ClickHouseReadsIT} on 18.16 and by {@link ModernReadsIT} on 26.x (chDB).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ColdReadsContract {
  private static final Instant T0 = Instant.parse("2026-10-01T00:00:00Z");
  private static final long HOUR_MICROS = 3_600_000_000L;
  private ClickHouseConfig config;
  private final List<Ping> sent = new ArrayList<>();

  /** Starts the server under test and returns its URL (a placeholder where it is in-process). */
  abstract URI start() throws Exception;

  abstract ClickHouseColdStore store(ClickHouseConfig config);

  abstract ClickHouseReads reads(ClickHouseConfig config);

  @BeforeAll
  void loadPings() throws Exception {
    URI url = start();
    // "lang" and "duration_ms" get columns of their own; "os" and "results" live in the arrays.
    config = ClickHouseConfig.of(url, "node-1").withDatabase("reads_it")
        .withColumns(List.of("lang"), List.of("duration_ms")).withFlushInterval(Duration.ofMillis(10));
    Random random = new Random(7);
    List<WalRecord> records = new ArrayList<>();
    for (int r = 0; r < 40; r++) {
      Ping[] pings = new Ping[50];
      for (int i = 0; i < pings.length; i++) {
        TestPings.Builder ping = TestPings.ping("inst-" + random.nextInt(30), "p" + r + "-" + i)
            .at(T0.plusSeconds(random.nextInt(3 * 3600)))
            .version(random.nextBoolean() ? "5.3.0" : "5.4.1")
            .dimension("lang", random.nextInt(3) == 0 ? "go" : "java")
            .dimension("os", random.nextBoolean() ? "linux" : "mac");
        if (random.nextInt(4) != 0) {
          ping.metric("duration_ms", Math.round(random.nextDouble() * 1000) / 4.0);
        }
        if (random.nextInt(3) != 0) {
          // Some pings carry no metric outside the declared one: arrays of different lengths, empty ones too.
          ping.metric("results", random.nextInt(20));
        }
        pings[i] = ping.build();
        sent.add(pings[i]);
      }
      records.add(record(pings));
    }
    try (ClickHouseColdStore store = store(config);
        ColumnBatch batch = ColumnBatch.of(Records.entries(1, records.toArray(WalRecord[]::new)))) {
      store.resumePosition();
      store.accept(batch);
    }
  }

  @Test
  void aggregatesPerHourAndVersionEqualWhatThePingsSay() {
    for (String metric : List.of("duration_ms", "results")) {
      try (ClickHouseReads reads = reads(config)) {
        List<ColdAggregate.Row> rows = reads.aggregate(new ColdAggregate("search.executed", micros(T0), micros(T0) + 3 * HOUR_MICROS,
            HOUR_MICROS, List.of("version"), Map.of("dimension.os", Set.of("linux")), metric,
            List.of("count", "distinct_instances", "sum", "min", "max", "avg", "p50", "p95")));
        TreeMap<String, List<Ping>> expected = new TreeMap<>();
        for (Ping p : sent) {
          if (p.getDimensionsMap().get("os").equals("linux")) {
            long hour = (p.getTimestamp().getSeconds() - T0.getEpochSecond()) / 3600;
            expected.computeIfAbsent(p.getVersion() + "/" + hour, k -> new ArrayList<>()).add(p);
          }
        }
        assertThat(rows).hasSize(expected.size());
        for (ColdAggregate.Row row : rows) {
          long hour = row.bucket() - micros(T0) / HOUR_MICROS;
          List<Ping> bucket = expected.get(row.group().get(0) + "/" + hour);
          double[] values = bucket.stream().filter(p -> p.getMetricsMap().containsKey(metric))
              .mapToDouble(p -> p.getMetricsMap().get(metric)).sorted().toArray();
          Set<String> instances = new HashSet<>();
          bucket.forEach(p -> instances.add(p.getInstanceId()));
          double[] got = row.values();
          assertThat(got[0]).isEqualTo(bucket.size());
          assertThat(got[1]).isEqualTo(instances.size());
          assertThat(got[2]).isCloseTo(Arrays.stream(values).sum(), within(1e-9));
          assertThat(got[3]).isEqualTo(values[0]);
          assertThat(got[4]).isEqualTo(values[values.length - 1]);
          assertThat(got[5]).isCloseTo(Arrays.stream(values).sum() / values.length, within(1e-9));
          assertThat(got[6]).isEqualTo(values[(int) Math.floor(0.5 * (values.length - 1))]);
          assertThat(got[7]).isEqualTo(values[(int) Math.floor(0.95 * (values.length - 1))]);
        }
      }
    }
  }

  @Test
  void aDeclaredDimensionGroupsAndAMissingMetricIsNaN() {
    try (ClickHouseReads reads = reads(config)) {
      List<ColdAggregate.Row> rows = reads.aggregate(new ColdAggregate("search.executed", micros(T0), micros(T0) + 3 * HOUR_MICROS,
          3 * HOUR_MICROS, List.of("dimension.lang"), Map.of(), "no_such_metric", List.of("count", "sum")));
      assertThat(rows).extracting(r -> r.group().get(0)).containsExactly("go", "java");
      assertThat(rows.get(0).values()[0] + rows.get(1).values()[0]).isEqualTo(sent.size());
      assertThat(rows.get(0).values()[1]).isNaN();
    }
  }

  @Test
  void rawPingsOfOneInstanceComeBackWholeInTimeOrder() {
    List<Ping> expected = sent.stream().filter(p -> p.getInstanceId().equals("inst-3"))
        .sorted((a, b) -> Long.compare(a.getTimestamp().getSeconds(), b.getTimestamp().getSeconds())).toList();
    try (ClickHouseReads reads = reads(config)) {
      List<RawPing> raw = reads.raw("inst-3", micros(T0), micros(T0) + 3 * HOUR_MICROS, 10_000);
      assertThat(raw).extracting(RawPing::timestampMicros)
          .containsExactlyElementsOf(expected.stream().map(p -> p.getTimestamp().getSeconds() * 1_000_000).toList());
      assertThat(new HashSet<>(raw.stream().map(RawPing::pingId).toList()))
          .isEqualTo(new HashSet<>(expected.stream().map(Ping::getPingId).toList()));
      for (RawPing ping : raw) {
        Ping original = sent.stream().filter(p -> p.getPingId().equals(ping.pingId())).findFirst().orElseThrow();
        assertThat(ping.metrics()).isEqualTo(original.getMetricsMap());
        assertThat(ping.dimensions()).isEqualTo(original.getDimensionsMap());
        assertThat(ping.version()).isEqualTo(original.getVersion());
        assertThat(ping.ingestNode()).isEqualTo("node-1");
      }
      assertThat(reads.raw("inst-3", micros(T0), micros(T0) + 3 * HOUR_MICROS, 2)).hasSize(2);
    }
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000;
  }
}
