package io.pingstack.rollups;

import java.util.List;

/**
 * The cells of one bucket of one group, merged, and the aggregates a query asked computed from
 * them. Reused from bucket to bucket; computes distinct instances and quantiles only when asked.
 */
final class BucketMerge {
  private final List<Agg> aggs;
  /** The query's metric in the event, or -1 when none is asked or the event never had it. */
  private final int metric;
  private final DistinctMerge distinct;
  private final QuantileMerge quantiles;

  private long pings;
  private long metricCount;
  private double sum;
  private double min;
  private double max;

  BucketMerge(List<Agg> aggs, int metric) {
    this.aggs = aggs;
    this.metric = metric;
    this.distinct = aggs.contains(Agg.DISTINCT_INSTANCES) ? new DistinctMerge() : null;
    boolean wantsQuantiles = false;
    for (Agg a : aggs) {
      wantsQuantiles |= !Double.isNaN(a.quantile());
    }
    this.quantiles = wantsQuantiles && metric >= 0 ? new QuantileMerge() : null;
    reset();
  }

  void reset() {
    pings = 0;
    metricCount = 0;
    sum = 0;
    min = Double.POSITIVE_INFINITY;
    max = Double.NEGATIVE_INFINITY;
    if (distinct != null) {
      distinct.reset();
    }
    if (quantiles != null) {
      quantiles.reset();
    }
  }

  void add(Cell cell) {
    pings += cell.pings;
    if (distinct != null) {
      cell.addInstancesTo(distinct);
    }
    MetricCell m = metric < 0 ? null : cell.find(metric);
    if (m == null) {
      return;
    }
    metricCount += m.count;
    sum += m.sum;
    min = Math.min(min, m.min);
    max = Math.max(max, m.max);
    if (quantiles != null) {
      m.addDistributionTo(quantiles);
    }
  }

  /** One value per asked aggregate, in order, for the cells added since the last reset. */
  double[] values() {
    double[] out = new double[aggs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = value(aggs.get(i));
    }
    return out;
  }

  /** The values of a bucket without cells (fill=zero): count and distinct instances 0, the rest NaN. */
  double[] emptyValues() {
    double[] out = new double[aggs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = aggs.get(i).perMetric() ? Double.NaN : 0;
    }
    return out;
  }

  private double value(Agg agg) {
    if (agg == Agg.COUNT) {
      return pings;
    }
    if (agg == Agg.DISTINCT_INSTANCES) {
      return pings == 0 ? 0 : distinct.estimate();
    }
    if (metricCount == 0) {
      return Double.NaN;
    }
    return switch (agg) {
      case SUM -> sum;
      case MIN -> min;
      case MAX -> max;
      case AVG -> sum / metricCount;
      // The true value at the rank lies in [min, max]; clamping only moves an estimate closer.
      default -> Math.max(min, Math.min(max, quantiles.valueAt(agg.quantile())));
    };
  }
}
