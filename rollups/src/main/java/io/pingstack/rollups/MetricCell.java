package io.pingstack.rollups;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * One metric's values in one cell: exact count, sum, min and max, and the distribution for
 * quantiles. The distribution is the exact values while there are at most {@link #EXACT_VALUES}
 * (a single value is {@code min} itself, so a one-ping cell holds no array), then a DDSketch from
 * {@link QuantileSketches}. Merging never averages: stats add up, values and sketches merge.
 */
final class MetricCell {
  /** 1 KiB of exact values costs less than a typical sketch at 0.5 % accuracy (several 272-byte pages). */
  static final int EXACT_VALUES = 128;

  final int metric;
  int count;
  double sum;
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;
  /**
   * null while {@code count <= 1} (the value is {@code min}); a {@code double[]} holding the exact
   * values, ascending, in slots {@code [0, count)}; or a {@link DDSketch}. One field, not two: 8 bytes less on
   * each of millions of cells.
   */
  private Object distribution;

  MetricCell(int metric) {
    this.metric = metric;
  }

  void add(double value) {
    addToDistribution(value);
    count++;
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }

  /** Must run before the stats change: while exact, one value is {@code min}. */
  private void addToDistribution(double value) {
    if (distribution instanceof DDSketch sketch) {
      distribution = QuantileSketches.add(sketch, value);
    } else if (count == EXACT_VALUES) {
      distribution = QuantileSketches.add(toSketch(), value);
    } else if (count == 1) {
      distribution = value < min ? new double[] {value, min, 0, 0} : new double[] {min, value, 0, 0};
    } else if (count > 1) {
      double[] values = (double[]) distribution;
      if (count == values.length) {
        values = Arrays.copyOf(values, Math.min(EXACT_VALUES, count + (count >> 1)));
        distribution = values;
      }
      int at = Arrays.binarySearch(values, 0, count, value);
      at = at < 0 ? -at - 1 : at;
      System.arraycopy(values, at, values, at + 1, count - at);
      values[at] = value;
    }
  }

  private DDSketch toSketch() {
    DDSketch sketch = addExactTo(QuantileSketches.create());
    distribution = sketch;
    return sketch;
  }

  /** Adds this cell's exact values (none once it holds a sketch) to {@code sketch}; returns the sketch to keep ({@link QuantileSketches#add}). */
  private DDSketch addExactTo(DDSketch sketch) {
    if (count == 1) {
      return QuantileSketches.add(sketch, min);
    }
    DDSketch out = sketch;
    if (distribution instanceof double[] values) {
      for (int i = 0; i < count; i++) {
        out = QuantileSketches.add(out, values[i]);
      }
    }
    return out;
  }

  /**
   * The {@code n} cells of metric {@code id} merged as a query merges them ({@link QuantileMerge}):
   * every exact value, sorted, while every cell is exact (the array may exceed {@link
   * #EXACT_VALUES}); else one sketch of the cells' sketches and the exact values folded in. Null
   * when the count would not fit an {@code int}. For {@link Cell#merged}: read only.
   */
  static MetricCell merged(int id, MetricCell[] cells, int n) {
    MetricCell out = new MetricCell(id);
    long count = 0;
    boolean sketched = false;
    for (int i = 0; i < n; i++) {
      MetricCell c = cells[i];
      count += c.count;
      out.sum += c.sum;
      out.min = Math.min(out.min, c.min);
      out.max = Math.max(out.max, c.max);
      sketched |= c.distribution instanceof DDSketch;
    }
    if (count > Integer.MAX_VALUE) {
      return null;
    }
    out.count = (int) count;
    if (sketched) {
      DDSketch sketch = QuantileSketches.create();
      for (int i = 0; i < n; i++) {
        if (cells[i].distribution instanceof DDSketch s) {
          sketch.mergeWith(s);
          sketch = QuantileSketches.bounded(sketch);
        }
      }
      for (int i = 0; i < n; i++) {
        sketch = cells[i].addExactTo(sketch);
      }
      out.distribution = sketch;
    } else if (out.count > 1) {
      double[] values = new double[out.count];
      int at = 0;
      for (int i = 0; i < n; i++) {
        MetricCell c = cells[i];
        if (c.count == 1) {
          values[at++] = c.min;
        } else {
          System.arraycopy((double[]) c.distribution, 0, values, at, c.count);
          at += c.count;
        }
      }
      Arrays.sort(values);
      out.distribution = values;
    }
    return out;
  }

  /** About how many bytes of heap this cell holds (a sketch: 8 bytes per bin between its lowest and highest index). */
  long estimatedBytes() {
    long bytes = 48;
    if (distribution instanceof double[] values) {
      bytes += 16 + 8L * values.length;
    } else if (distribution instanceof DDSketch sketch) {
      bytes += 96 + storeBytes(sketch.getPositiveValueStore()) + storeBytes(sketch.getNegativeValueStore());
    }
    return bytes;
  }

  private static long storeBytes(Store store) {
    return store.isEmpty() ? 0 : 8L * (store.getMaxIndex() - store.getMinIndex() + 1);
  }

  /** A copy that shares nothing that changes with this cell. */
  MetricCell copy() {
    MetricCell copy = new MetricCell(metric);
    copy.count = count;
    copy.sum = sum;
    copy.min = min;
    copy.max = max;
    if (distribution instanceof DDSketch sketch) {
      copy.distribution = sketch.copy();
    } else if (distribution instanceof double[] values) {
      copy.distribution = values.clone();
    }
    return copy;
  }

  /** Hands this cell's distribution to a query's merge. */
  void addDistributionTo(QuantileMerge merge) {
    if (distribution instanceof DDSketch sketch) {
      merge.addSketch(sketch);
    } else if (count == 1) {
      merge.add(min);
    } else {
      merge.addSorted((double[]) distribution, count);
    }
  }

  void mergeFrom(MetricCell other) {
    if (other.distribution instanceof DDSketch otherSketch) {
      DDSketch sketch = distribution instanceof DDSketch s ? s : toSketch();
      sketch.mergeWith(otherSketch);
      distribution = QuantileSketches.bounded(sketch);
      count += other.count;
      sum += other.sum;
      min = Math.min(min, other.min);
      max = Math.max(max, other.max);
    } else if (other.count == 1) {
      add(other.min);
    } else {
      double[] values = (double[]) other.distribution;
      for (int i = 0; i < other.count; i++) {
        add(values[i]);
      }
    }
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeInt(metric);
    out.writeInt(count);
    out.writeDouble(sum);
    out.writeDouble(min);
    out.writeDouble(max);
    out.writeBoolean(distribution instanceof DDSketch);
    if (distribution instanceof DDSketch sketch) {
      byte[] bytes = QuantileSketches.encode(sketch);
      out.writeInt(bytes.length);
      out.write(bytes);
    } else if (count > 1) {
      double[] values = (double[]) distribution;
      for (int i = 0; i < count; i++) {
        out.writeDouble(values[i]);
      }
    }
  }

  static MetricCell readFrom(DataInput in, int metricNames) throws IOException {
    MetricCell cell = new MetricCell(in.readInt());
    CorruptSnapshotException.check(cell.metric >= 0 && cell.metric < metricNames, "metric id out of range: " + cell.metric);
    cell.count = in.readInt();
    cell.sum = in.readDouble();
    cell.min = in.readDouble();
    cell.max = in.readDouble();
    CorruptSnapshotException.check(cell.count > 0 && cell.min <= cell.max, "metric cell with count " + cell.count);
    if (in.readBoolean()) {
      int length = in.readInt();
      CorruptSnapshotException.check(length > 0 && length <= 1 << 24, "quantile sketch of " + length + " bytes");
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      cell.distribution = QuantileSketches.decode(bytes);
    } else if (cell.count > 1) {
      CorruptSnapshotException.check(cell.count <= EXACT_VALUES, "exact metric cell with " + cell.count + " values");
      double[] values = new double[cell.count];
      for (int i = 0; i < cell.count; i++) {
        values[i] = in.readDouble();
        CorruptSnapshotException.check(i == 0 || values[i - 1] <= values[i], "exact metric values out of order");
      }
      cell.distribution = values;
    }
    return cell;
  }
}
