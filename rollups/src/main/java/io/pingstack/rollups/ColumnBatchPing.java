package io.pingstack.rollups;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.model.PingRules;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.ObjDoubleConsumer;

/**
 * One row of a {@link ColumnBatch} seen as a {@link PingView}. Reused from row to row by one
 * thread: {@link #load} copies the row's metrics and dimensions into arrays that grow as needed.
 */
final class ColumnBatchPing implements PingView {
  private ColumnBatch batch;
  private int row;
  private String[] metricNames = new String[8];
  private double[] metricValues = new double[8];
  private int metrics;
  private String[] dimensionKeys = new String[8];
  private String[] dimensionValues = new String[8];
  private int dimensions;
  /** The instance id's UTF-8 bytes, for {@link #instanceHash}: 128 chars of up to 3 bytes each (API.md). */
  private final byte[] instanceId = new byte[3 * PingRules.MAX_INSTANCE_ID];

  /** Made once, not per row: the consumer loads every row through them. */
  private final ObjDoubleConsumer<String> addMetric = this::addMetric;
  private final BiConsumer<String, String> addDimension = this::addDimension;

  void load(ColumnBatch batch, int row) {
    this.batch = batch;
    this.row = row;
    metrics = 0;
    batch.forEachMetric(row, addMetric);
    dimensions = 0;
    batch.forEachDimension(row, addDimension);
  }

  private void addMetric(String name, double value) {
    if (metrics == metricNames.length) {
      metricNames = Arrays.copyOf(metricNames, metrics * 2);
      metricValues = Arrays.copyOf(metricValues, metrics * 2);
    }
    metricNames[metrics] = name;
    metricValues[metrics++] = value;
  }

  private void addDimension(String key, String value) {
    if (dimensions == dimensionKeys.length) {
      dimensionKeys = Arrays.copyOf(dimensionKeys, dimensions * 2);
      dimensionValues = Arrays.copyOf(dimensionValues, dimensions * 2);
    }
    dimensionKeys[dimensions] = key;
    dimensionValues[dimensions++] = value;
  }

  @Override
  public long walPosition() {
    return batch.walPosition(row);
  }

  @Override
  public String event() {
    return batch.event(row);
  }

  @Override
  public String version() {
    return batch.version(row);
  }

  @Override
  public String deployType() {
    return batch.deployType(row);
  }

  @Override
  public String instanceId() {
    return batch.instanceId(row);
  }

  @Override
  public long instanceHash() {
    int length = batch.instanceIdUtf8(row, instanceId);
    return length < 0 ? PingView.super.instanceHash() : InstanceHash.ofUtf8(instanceId, length);
  }

  @Override
  public long timestampMillis() {
    return Math.floorDiv(batch.timestampMicros(row), 1000);
  }

  @Override
  public int metricCount() {
    return metrics;
  }

  @Override
  public String metricName(int i) {
    return metricNames[i];
  }

  @Override
  public double metricValue(int i) {
    return metricValues[i];
  }

  @Override
  public String dimension(String key) {
    for (int i = 0; i < dimensions; i++) {
      if (dimensionKeys[i].equals(key)) {
        return dimensionValues[i];
      }
    }
    return null;
  }

  @Override
  public int dimensionCount() {
    return dimensions;
  }

  @Override
  public String dimensionKey(int i) {
    return dimensionKeys[i];
  }
}
