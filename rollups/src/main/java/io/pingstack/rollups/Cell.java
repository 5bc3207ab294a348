package io.pingstack.rollups;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * One bucket of one series at one step: pings, distinct instances, and a {@link MetricCell} per
 * metric seen. Guarded by its event's lock.
 *
 * <p>Distinct instances are the exact instance hashes, kept sorted, while there are at most {@link
 * #EXACT_INSTANCES}; then an HLL sketch (lgK {@value #LG_K}, HLL_8) fed with the same hashes.
 */
final class Cell {
  /**
   * 1,024 hashes (8 KiB) cost what the HLL's own coupon set costs at that size, while membership is
   * a binary search and a query unites them in a hash set, several times faster than HLL unions of
   * coupon sets. Above it the HLL soon switches to its 16 KiB register array.
   */
  static final int EXACT_INSTANCES = 1024;
  /**
   * 2^14 registers: a merged (union) estimate has a standard error of 1.04/128 = 0.81 %, so 2 % is
   * 2.5 standard errors: 98.8 % of buckets. lgK 13 (1.15 %) would give only 92 % of merged buckets.
   */
  static final int LG_K = 14;

  /** {@link #firstPosition} of a cell read from a snapshot that did not record it. */
  static final long UNKNOWN_POSITION = Long.MIN_VALUE;

  private static final MetricCell[] NO_METRICS = {};

  int pings;
  /**
   * The lowest WAL position of a ping counted here: a replay rebuilds this cell from the log only
   * when the log still holds it.
   */
  long firstPosition = Long.MAX_VALUE;
  /** Distinct instance hashes, ascending, in slots {@code [0, instanceCount)} while {@code hll == null}. */
  private long[] instances;
  private int instanceCount;
  private HllSketch hll;
  private MetricCell[] metrics = NO_METRICS;

  /** Counts one ping, without its metrics ({@link #addValue}). */
  void count(long instanceHash, long walPosition) {
    pings++;
    firstPosition = Math.min(firstPosition, walPosition);
    addInstance(instanceHash);
  }

  /**
   * Adds the value of a metric of the ping just {@link #count}ed: {@code metricId} is its id in the
   * event, or -1 to leave it out; a non-finite value is left out too. {@code hint} is the metric's
   * place in the ping, where it usually sits in this cell as well.
   */
  void addValue(int metricId, int hint, double value) {
    if (metricId >= 0 && Double.isFinite(value)) {
      metric(metricId, hint).add(value);
    }
  }

  private void addInstance(long hash) {
    if (hll != null) {
      hll.update(hash);
      return;
    }
    int at = instanceCount == 0 ? -1 : Arrays.binarySearch(instances, 0, instanceCount, hash);
    if (at >= 0) {
      return;
    }
    if (instanceCount == EXACT_INSTANCES) {
      toSketch().update(hash);
      return;
    }
    if (instances == null) {
      instances = new long[1];
    } else if (instanceCount == instances.length) {
      instances = Arrays.copyOf(instances, Math.min(EXACT_INSTANCES, instanceCount + (instanceCount >> 1) + 1));
    }
    int insert = -at - 1;
    System.arraycopy(instances, insert, instances, insert + 1, instanceCount - insert);
    instances[insert] = hash;
    instanceCount++;
  }

  private HllSketch toSketch() {
    hll = new HllSketch(LG_K, TgtHllType.HLL_8);
    for (int i = 0; i < instanceCount; i++) {
      hll.update(instances[i]);
    }
    instances = null;
    instanceCount = 0;
    return hll;
  }

  /** The cell of metric {@code id}, created when missing; {@code hint} is where it usually sits. */
  private MetricCell metric(int id, int hint) {
    if (hint < metrics.length && metrics[hint].metric == id) {
      return metrics[hint];
    }
    MetricCell found = find(id);
    if (found == null) {
      found = new MetricCell(id);
      metrics = Arrays.copyOf(metrics, metrics.length + 1);
      metrics[metrics.length - 1] = found;
    }
    return found;
  }

  /** The cell of metric {@code id}, or null when no ping here carried it. */
  MetricCell find(int id) {
    for (MetricCell m : metrics) {
      if (m.metric == id) {
        return m;
      }
    }
    return null;
  }

  /**
   * The cells of one bucket of a query group merged into one, for {@link MergeCache}; null when its
   * pings or a metric's values would not fit an {@code int}. Read only, never added to: its exact
   * instance hashes and values are unbounded (the union of the cells'), so that a query over it
   * answers exactly what one over the cells answers: exact while every cell is, else the same
   * sketch merge.
   */
  static Cell merged(Cell[] cells, int n) {
    long pings = 0;
    int exactHashes = 0;
    boolean sketched = false;
    long firstPosition = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      pings += cells[i].pings;
      sketched |= cells[i].hll != null;
      exactHashes += cells[i].instanceCount;
      firstPosition = Math.min(firstPosition, cells[i].firstPosition);
    }
    if (pings > Integer.MAX_VALUE) {
      return null;
    }
    Cell out = new Cell();
    out.pings = (int) pings;
    out.firstPosition = firstPosition;
    if (sketched) {
      Union union = new Union(LG_K);
      for (int i = 0; i < n; i++) {
        Cell c = cells[i];
        if (c.hll != null) {
          union.update(c.hll);
        }
        for (int k = 0; k < c.instanceCount; k++) {
          union.update(c.instances[k]);
        }
      }
      out.hll = union.getResult(TgtHllType.HLL_8);
    } else {
      long[] all = new long[exactHashes];
      int at = 0;
      for (int i = 0; i < n; i++) {
        System.arraycopy(cells[i].instances, 0, all, at, cells[i].instanceCount);
        at += cells[i].instanceCount;
      }
      Arrays.sort(all);
      int unique = 0;
      for (int k = 0; k < all.length; k++) {
        if (unique == 0 || all[unique - 1] != all[k]) {
          all[unique++] = all[k];
        }
      }
      out.instances = all;
      out.instanceCount = unique;
    }
    MetricCell[] of = new MetricCell[n];
    for (int i = 0; i < n; i++) {
      for (MetricCell m : cells[i].metrics) {
        if (out.find(m.metric) != null) {
          continue;
        }
        int found = 0;
        for (int j = i; j < n; j++) {
          MetricCell same = cells[j].find(m.metric);
          if (same != null) {
            of[found++] = same;
          }
        }
        MetricCell merged = MetricCell.merged(m.metric, of, found);
        if (merged == null) {
          return null;
        }
        out.metrics = Arrays.copyOf(out.metrics, out.metrics.length + 1);
        out.metrics[out.metrics.length - 1] = merged;
      }
    }
    return out;
  }

  /** About how many bytes of heap this cell holds: what {@link MergeCache} counts against its bound. */
  long estimatedBytes() {
    long bytes = 64 + (instances == null ? 0 : 16 + 8L * instances.length);
    if (hll != null) {
      bytes += 64 + hll.getUpdatableSerializationBytes();
    }
    for (MetricCell m : metrics) {
      bytes += 8 + m.estimatedBytes();
    }
    return bytes;
  }

  /** A copy that shares nothing that changes with this cell: what a snapshot being written keeps of it ({@link Series#toChange}). */
  Cell copy() {
    Cell copy = new Cell();
    copy.pings = pings;
    copy.firstPosition = firstPosition;
    copy.instances = instances == null ? null : instances.clone();
    copy.instanceCount = instanceCount;
    copy.hll = hll == null ? null : hll.copy();
    if (metrics.length > 0) {
      copy.metrics = new MetricCell[metrics.length];
      for (int i = 0; i < metrics.length; i++) {
        copy.metrics[i] = metrics[i].copy();
      }
    }
    return copy;
  }

  /** Hands this cell's instances to a query's merge. */
  void addInstancesTo(DistinctMerge merge) {
    if (hll != null) {
      merge.addSketch(hll);
    } else {
      merge.addExact(instances, instanceCount);
    }
  }

  boolean exactInstances() {
    return hll == null;
  }

  /** Adds {@code other} to this cell, as if its pings had been applied here. */
  void mergeFrom(Cell other) {
    pings += other.pings;
    firstPosition = Math.min(firstPosition, other.firstPosition);
    if (other.hll != null) {
      Union union = new Union(LG_K);
      union.update(hll != null ? hll : toSketch());
      union.update(other.hll);
      hll = union.getResult(TgtHllType.HLL_8);
    } else {
      for (int i = 0; i < other.instanceCount; i++) {
        addInstance(other.instances[i]);
      }
    }
    for (MetricCell m : other.metrics) {
      metric(m.metric, metrics.length).mergeFrom(m);
    }
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeInt(pings);
    out.writeLong(firstPosition);
    out.writeBoolean(hll != null);
    if (hll != null) {
      byte[] bytes = hll.toCompactByteArray();
      out.writeInt(bytes.length);
      out.write(bytes);
    } else {
      out.writeInt(instanceCount);
      for (int i = 0; i < instanceCount; i++) {
        out.writeLong(instances[i]);
      }
    }
    out.writeInt(metrics.length);
    for (MetricCell m : metrics) {
      m.writeTo(out);
    }
  }

  /** Reads a cell written by {@link #writeTo}; {@code withPositions} false for format 1, which had no {@link #firstPosition}. */
  static Cell readFrom(DataInput in, int metricNames, boolean withPositions) throws IOException {
    Cell cell = new Cell();
    cell.pings = in.readInt();
    CorruptSnapshotException.check(cell.pings > 0, "cell with " + cell.pings + " pings");
    cell.firstPosition = withPositions ? in.readLong() : UNKNOWN_POSITION;
    if (in.readBoolean()) {
      int length = in.readInt();
      CorruptSnapshotException.check(length > 0 && length <= 1 << 20, "HLL sketch of " + length + " bytes");
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      try {
        cell.hll = HllSketch.heapify(bytes);
      } catch (RuntimeException e) {
        throw new CorruptSnapshotException("unreadable HLL sketch: " + e.getMessage());
      }
      CorruptSnapshotException.check(cell.hll.getLgConfigK() == LG_K, "HLL sketch with lgK " + cell.hll.getLgConfigK());
    } else {
      cell.instanceCount = in.readInt();
      CorruptSnapshotException.check(
          cell.instanceCount > 0 && cell.instanceCount <= EXACT_INSTANCES, "cell with " + cell.instanceCount + " exact instances");
      cell.instances = new long[cell.instanceCount];
      for (int i = 0; i < cell.instanceCount; i++) {
        cell.instances[i] = in.readLong();
        CorruptSnapshotException.check(i == 0 || cell.instances[i - 1] < cell.instances[i], "exact instances out of order");
      }
    }
    int metricCount = in.readInt();
    CorruptSnapshotException.check(metricCount >= 0 && metricCount <= metricNames, "cell with " + metricCount + " metrics");
    cell.metrics = metricCount == 0 ? NO_METRICS : new MetricCell[metricCount];
    for (int i = 0; i < metricCount; i++) {
      cell.metrics[i] = MetricCell.readFrom(in, metricNames);
    }
    return cell;
  }
}
