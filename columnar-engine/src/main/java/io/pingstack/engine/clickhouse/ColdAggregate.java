package io.pingstack.engine.clickhouse;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An aggregate over the raw pings in ClickHouse, for ranges the hot rollups no longer hold. Fields
 * are named as in API.md ({@code version}, {@code deploy_type}, {@code dimension.<key>}); aggregates
 * by their API codes ({@code count}, {@code distinct_instances}, {@code sum}, {@code min},
 * {@code max}, {@code avg}, {@code p50}, {@code p90}, {@code p95}, {@code p99}). Every aggregate is
 * exact: a quantile {@code q} is the value at 0-based rank {@code floor(q * (n - 1))} of the bucket's
 * values sorted ascending, as the hot rollups define it.
 *
 * @param fromMicros inclusive, aligned to the step by the caller
 * @param toMicros exclusive, aligned to the step by the caller
 * @param metric the metric of the per-metric aggregates, or null
 */
public record ColdAggregate(
    String event,
    long fromMicros,
    long toMicros,
    long stepMicros,
    List<String> groupBy,
    Map<String, Set<String>> filters,
    String metric,
    List<String> aggs) {

  public ColdAggregate {
    requireNonNull(event, "event");
    groupBy = List.copyOf(groupBy);
    filters = Map.copyOf(filters);
    aggs = List.copyOf(aggs);
    if (stepMicros <= 0) {
      throw new IllegalArgumentException("stepMicros must be positive: " + stepMicros);
    }
  }

  /**
   * One bucket of one group.
   *
   * @param group the values of the {@code groupBy} fields, in that order ("" where a ping lacks one)
   * @param bucket the bucket number: its start is {@code bucket * stepMicros}
   * @param values one per aggregate, NaN where no ping of the bucket carried the metric
   */
  @SuppressWarnings("ArrayRecordComponent") // one small array per point
  public record Row(List<String> group, long bucket, double[] values) {}
}
