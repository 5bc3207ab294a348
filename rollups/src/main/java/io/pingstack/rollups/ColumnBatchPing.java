package io.pingstack.rollups;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.model.PingRules;

/**
 * One row of a {@link ColumnBatch} seen as a {@link PingView}. Reused from row to row by one
 * thread: {@link #load} copies the row's metrics and dimension keys into arrays that grow as
 * needed; a dimension's value is read from the batch only when asked for (the rollups ask only for
 * the declared dimensions).
 */
final class ColumnBatchPing implements PingView {
  private ColumnBatch batch;
  private int row;
  /** The row's version and deploy type once read, else null. */
  private String version;
  private String deployType;
  private String[] metricNames = new String[8];
  private double[] metricValues = new double[8];
  private int metrics;
  private String[] dimensionKeys = new String[8];
  /** The batch's entry of the row's first dimension. */
  private int firstDimension;
  private int dimensions;
  /** The instance id's UTF-8 bytes, for {@link #instanceHash}: 128 chars of up to 3 bytes each (API.md). */
  private final byte[] instanceId = new byte[3 * PingRules.MAX_INSTANCE_ID];

  void load(ColumnBatch batch, int row) {
    this.batch = batch;
    this.row = row;
    version = null;
    deployType = null;
    int first = batch.metricStart(row);
    metrics = batch.metricEnd(row) - first;
    if (metrics > metricNames.length) {
      metricNames = new String[Math.max(metrics, 2 * metricNames.length)];
      metricValues = new double[metricNames.length];
    }
    for (int i = 0; i < metrics; i++) {
      metricNames[i] = batch.metricKey(first + i);
      metricValues[i] = batch.metricValue(first + i);
    }
    firstDimension = batch.dimensionStart(row);
    dimensions = batch.dimensionEnd(row) - firstDimension;
    if (dimensions > dimensionKeys.length) {
      dimensionKeys = new String[Math.max(dimensions, 2 * dimensionKeys.length)];
    }
    for (int i = 0; i < dimensions; i++) {
      dimensionKeys[i] = batch.dimensionKey(firstDimension + i);
    }
  }

  @Override
  public long walPosition() {
    return batch.walPosition(row);
  }

  @Override
  public String event() {
    return batch.event(row);
  }

  /** Read once per row: the series key and the instance table both ask. */
  @Override
  public String version() {
    if (version == null) {
      version = batch.version(row);
    }
    return version;
  }

  /** Read once per row: the series key and the instance table both ask. */
  @Override
  public String deployType() {
    if (deployType == null) {
      deployType = batch.deployType(row);
    }
    return deployType;
  }

  @Override
  public String instanceId() {
    return batch.instanceId(row);
  }

  @Override
  public long instanceHash() {
    int length = batch.copyUtf8(ColumnBatch.Text.INSTANCE_ID, row, instanceId, 0);
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
        return batch.dimensionValue(firstDimension + i);
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
