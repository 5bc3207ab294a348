package io.pingstack.rollups;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Shared clock, config and query helpers for the rollup tests. */
final class Fixtures {
  /** "Now" for every test: 2026-11-21T12:00:00Z. */
  static final long NOW = Instant.parse("2026-11-21T12:00:00Z").toEpochMilli();
  static final long MINUTE = 60_000L;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;

  private Fixtures() {}

  static RollupsConfig config(Path dir, String... dimensions) {
    return RollupsConfig.defaults(dir).withDimensions(List.of(dimensions));
  }

  static Rollups open(RollupsConfig config) {
    return Rollups.open(config, RollupMetrics.NOOP, () -> NOW);
  }

  static RollupQuery query(String event, long from, long to, Step step, List<Agg> aggs, String metric) {
    return new RollupQuery(event, from, to, step, aggs, metric, List.of(), Map.of(), false);
  }

  static RollupQuery grouped(
      String event, long from, long to, Step step, List<Agg> aggs, String metric, List<Field> groupBy,
      Map<Field, Set<String>> filters, boolean fillZero) {
    return new RollupQuery(event, from, to, step, aggs, metric, groupBy, filters, fillZero);
  }

  /** Applies {@code pings} as one batch, as the consumer applies a batch of the log. */
  static void applyAll(Rollups rollups, List<TestPing> pings) {
    rollups.apply(pings.size(), pings::get);
  }
}
