package io.pingstack.rollups;

/**
 * What a rollup point can report. {@link #COUNT} and {@link #DISTINCT_INSTANCES} are per bucket;
 * the others are over one metric's values in the bucket and need {@link RollupQuery#metric()}.
 *
 * <p>Accuracy: count, sum, min, max and avg (sum / number of pings carrying the metric) are exact;
 * distinct instances are exact while every merged cell holds at most 1,024 instances, else an HLL
 * union within 2 % in at least 95 % of buckets. A quantile {@code q} (p50 ... p99) is the value at
 * 0-based rank {@code floor(q * (n - 1))} of the bucket's n values sorted ascending: exactly that
 * value while the merged cells hold exact values (at most 128 per cell), else within 1 % of it
 * (DDSketch at 0.5 % relative accuracy).
 */
public enum Agg {
  COUNT("count", false, Double.NaN),
  DISTINCT_INSTANCES("distinct_instances", false, Double.NaN),
  SUM("sum", true, Double.NaN),
  MIN("min", true, Double.NaN),
  MAX("max", true, Double.NaN),
  AVG("avg", true, Double.NaN),
  P50("p50", true, 0.50),
  P90("p90", true, 0.90),
  P95("p95", true, 0.95),
  P99("p99", true, 0.99);

  private final String code;
  private final boolean perMetric;
  private final double quantile;

  Agg(String code, boolean perMetric, double quantile) {
    this.code = code;
    this.perMetric = perMetric;
    this.quantile = quantile;
  }

  /** As written in API.md and in the JSON answer. */
  public String code() {
    return code;
  }

  public boolean perMetric() {
    return perMetric;
  }

  /** The quantile in [0, 1] for p50..p99, NaN for the others. */
  public double quantile() {
    return quantile;
  }

  /** True for the aggregates whose value is always a whole number. */
  public boolean integral() {
    return this == COUNT || this == DISTINCT_INSTANCES;
  }

  /** The aggregate named {@code code}, or null when there is none. */
  public static Agg parse(String code) {
    for (Agg a : values()) {
      if (a.code.equals(code)) {
        return a;
      }
    }
    return null;
  }
}
