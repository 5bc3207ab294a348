package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.server.GroundTruth.Cell;
import io.pingstack.server.GroundTruth.Question;
import io.pingstack.server.GroundTruth.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RollupCheckTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  private static final PingMix MIX = new PingMix(7, 20_000, NOW);
  private static final GroundTruth TRUTH = GroundTruth.of(MIX);
  private static final Question BY_VERSION = new Question("search.executed", Step.HOUR, "duration_ms", List.of("version"), null, null);
  /** An optional metric: some minute buckets have no value for it. */
  private static final Question OPTIONAL_METRIC = new Question("search.executed", Step.MINUTE, "results", List.of(), null, null);

  private static final Question DAILY = new Question("search.executed", Step.DAY, "duration_ms", List.of(), "dimension.region", "us-east");

  private static RollupCheck check() {
    return new RollupCheck(TRUTH, NOW.minus(Duration.ofDays(4)).toEpochMilli(), NOW.toEpochMilli());
  }

  /** The answer a correct service gives: the truth, written the way the JSON answer reads back. */
  private static RollupAnswer exactAnswer(Question q) {
    Map<Map<String, String>, TreeMap<Long, Map<String, Double>>> series = new HashMap<>();
    TRUTH.answer(q).forEach((group, cells) -> {
      TreeMap<Long, Map<String, Double>> points = new TreeMap<>();
      cells.forEach((t, cell) -> points.put(t, point(cell)));
      series.put(group, points);
    });
    return new RollupAnswer(q.event(), q.step().code, series);
  }

  private static Map<String, Double> point(Cell cell) {
    Map<String, Double> point = new HashMap<>();
    point.put("count", (double) cell.count());
    point.put("distinct_instances", (double) cell.distinctInstances());
    boolean has = cell.hasMetric();
    point.put("sum", has ? cell.sum() : null);
    point.put("min", has ? cell.min() : null);
    point.put("max", has ? cell.max() : null);
    point.put("avg", has ? cell.avg() : null);
    for (int q : new int[] {50, 90, 95, 99}) {
      point.put("p" + q, has ? cell.quantile(q / 100.0) : null);
    }
    return point;
  }

  /** The exact answer to {@code q} with one change applied to its fullest bucket with a value. */
  private static long mismatchesAfter(Question q, Consumer<Map<String, Double>> change) {
    RollupAnswer answer = exactAnswer(q);
    Map<String, Double> first = answer.series().values().stream()
        .flatMap(points -> points.values().stream()).filter(p -> p.get("sum") != null)
        .max(Comparator.comparing(p -> p.get("count"))).orElseThrow();
    change.accept(first);
    RollupCheck check = check();
    check.compare(q, answer);
    return check.mismatchCount();
  }

  @Test
  void exactAnswersPassEveryComparison() {
    RollupCheck check = check();
    check.compare(BY_VERSION, exactAnswer(BY_VERSION));
    check.compare(OPTIONAL_METRIC, exactAnswer(OPTIONAL_METRIC));
    check.compare(DAILY, exactAnswer(DAILY));
    assertThat(check.mismatches()).isEmpty();
    assertThat(check.buckets()).isGreaterThan(100);
    assertThat(check.estimatedDistinctBuckets()).as("day buckets with many instances").isPositive();
    assertThat(check.distinctWithin2Percent()).isEqualTo(1.0);
  }

  @Test
  void answersWithinTheContractsToleranceStillPass() {
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("p95", p.get("p95") * 1.009))).isZero();
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("sum", p.get("sum") * (1 + 1e-13)))).isZero();
  }

  @Test
  void everyWrongAggregateIsAMismatch() {
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("count", p.get("count") + 1))).isEqualTo(1);
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("sum", p.get("sum") + 0.001))).isEqualTo(1);
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("min", Math.nextDown(p.get("min"))))).isEqualTo(1);
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("max", null))).isEqualTo(1);
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("avg", p.get("avg") * 1.001))).isEqualTo(1);
    assertThat(mismatchesAfter(BY_VERSION, p -> p.put("p99", p.get("p99") * 1.02))).isEqualTo(1);
    assertThat(mismatchesAfter(DAILY, p -> p.put("distinct_instances", p.get("distinct_instances") * 1.2))).isEqualTo(1);
    assertThat(mismatchesAfter(OPTIONAL_METRIC, p -> p.put("distinct_instances", p.get("distinct_instances") + 1))).isEqualTo(1);
  }

  @Test
  void aValueWhereNoPingHadTheMetricIsAMismatch() {
    RollupAnswer answer = exactAnswer(OPTIONAL_METRIC);
    Map<String, Double> withoutMetric = answer.series().get(Map.of()).values().stream()
        .filter(p -> p.get("sum") == null).findFirst().orElseThrow();
    withoutMetric.put("sum", 0.0);
    withoutMetric.remove("p50");
    RollupCheck check = check();
    check.compare(OPTIONAL_METRIC, answer);
    assertThat(check.mismatchCount()).isEqualTo(2);
  }

  @Test
  void missingAndExtraBucketsAndSeriesAreMismatches() {
    RollupAnswer answer = exactAnswer(BY_VERSION);
    TreeMap<Long, Map<String, Double>> points = answer.series().get(Map.of("version", "5.3.0"));
    points.remove(points.firstKey());
    points.put(NOW.plus(Duration.ofHours(5)).toEpochMilli(), points.lastEntry().getValue());
    answer.series().put(Map.of("version", "9.9.9"), new TreeMap<>(Map.of(NOW.toEpochMilli(), points.lastEntry().getValue())));
    RollupCheck check = check();
    check.compare(BY_VERSION, answer);
    assertThat(check.mismatchCount()).isEqualTo(3);
    assertThat(check.mismatches()).anySatisfy(m -> assertThat(m).contains("missing bucket"))
        .anySatisfy(m -> assertThat(m).contains("unexpected bucket"))
        .anySatisfy(m -> assertThat(m).contains("9.9.9"));
  }

  @Test
  void answerReadsTheJsonOfApiSectionThree() throws Exception {
    RollupAnswer answer = RollupAnswer.parse("{\"event\":\"search.executed\",\"step\":\"1h\",\"from\":\"2026-11-20T00:00:00Z\","
        + "\"to\":\"2026-11-21T00:00:00Z\",\"series\":[{\"group\":{\"version\":\"5.3.0\",\"dimension.plan\":null},"
        + "\"points\":[{\"t\":\"2026-11-20T10:00:00Z\",\"count\":1234,\"distinct_instances\":87,\"p95\":412.5,\"sum\":null}]}]}");
    assertThat(answer.event()).isEqualTo("search.executed");
    assertThat(answer.step()).isEqualTo("1h");
    Map<String, String> group = Map.of("version", "5.3.0", "dimension.plan", "");
    assertThat(answer.series()).containsOnlyKeys(group);
    Map<String, Double> point = answer.series().get(group).get(Instant.parse("2026-11-20T10:00:00Z").toEpochMilli());
    assertThat(point).containsEntry("count", 1234.0).containsEntry("distinct_instances", 87.0).containsEntry("p95", 412.5)
        .containsEntry("sum", null).doesNotContainKey("min");
  }

  @Test
  void pathAsksEveryAggregateOverTheGroupAndFilter() {
    String path = check().path(new Question("page.viewed", Step.DAY, "load_ms", List.of("version", "dimension.plan"), "deploy_type", "binary"));
    assertThat(path).startsWith("/v1/rollups?event=page.viewed&from=2026-11-17T10%3A00%3A00Z&to=2026-11-21T10%3A00%3A00Z&step=1d")
        .contains("&agg=count%2Cdistinct_instances%2Csum%2Cmin%2Cmax%2Cavg%2Cp50%2Cp90%2Cp95%2Cp99&metric=load_ms&fill=none")
        .contains("&group_by=version%2Cdimension.plan").endsWith("&filter=deploy_type%3Dbinary");
  }
}
