package io.pingstack.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;

/**
 * The typed vectors of one {@link VectorSchemaRoot} in {@link PingSchema}, and the ways rows get in:
 * decoded from a WAL record ({@link WalRecordColumns}), or copied from another root. Rows are written at increasing indexes;
 * {@link #rollback} forgets rows written past an index (after an allocation failed midway) and
 * {@link #seal} publishes the row count. Not thread-safe.
 */
final class PingVectors implements AutoCloseable {
  private static final byte[] EMPTY = new byte[0];

  final VectorSchemaRoot root;
  final BigIntVector walPosition;
  final TimeStampMicroTZVector receivedAt;
  final VarCharVector ingestNode;
  final VarCharVector pingId;
  final VarCharVector instanceId;
  final TimeStampMicroTZVector timestamp;
  final VarCharVector event;
  final VarCharVector version;
  final VarCharVector deployType;
  final MapVector metrics;
  final StructVector metricEntries;
  final VarCharVector metricKeys;
  final Float8Vector metricValues;
  final MapVector dimensions;
  final StructVector dimensionEntries;
  final VarCharVector dimensionKeys;
  final VarCharVector dimensionValues;
  final VarCharVector payload;
  private final List<BaseVariableWidthVector> rowStrings;
  /** The string vectors in {@link ColumnBatch.Text} order. */
  final VarCharVector[] texts;

  PingVectors(BufferAllocator allocator) {
    root = VectorSchemaRoot.create(PingSchema.SCHEMA, allocator);
    walPosition = (BigIntVector) root.getVector(PingSchema.WAL_POSITION);
    receivedAt = (TimeStampMicroTZVector) root.getVector(PingSchema.RECEIVED_AT);
    ingestNode = (VarCharVector) root.getVector(PingSchema.INGEST_NODE);
    pingId = (VarCharVector) root.getVector(PingSchema.PING_ID);
    instanceId = (VarCharVector) root.getVector(PingSchema.INSTANCE_ID);
    timestamp = (TimeStampMicroTZVector) root.getVector(PingSchema.TIMESTAMP);
    event = (VarCharVector) root.getVector(PingSchema.EVENT);
    version = (VarCharVector) root.getVector(PingSchema.VERSION);
    deployType = (VarCharVector) root.getVector(PingSchema.DEPLOY_TYPE);
    metrics = (MapVector) root.getVector(PingSchema.METRICS);
    metricEntries = (StructVector) metrics.getDataVector();
    metricKeys = (VarCharVector) metricEntries.getChild(MapVector.KEY_NAME);
    metricValues = (Float8Vector) metricEntries.getChild(MapVector.VALUE_NAME);
    dimensions = (MapVector) root.getVector(PingSchema.DIMENSIONS);
    dimensionEntries = (StructVector) dimensions.getDataVector();
    dimensionKeys = (VarCharVector) dimensionEntries.getChild(MapVector.KEY_NAME);
    dimensionValues = (VarCharVector) dimensionEntries.getChild(MapVector.VALUE_NAME);
    payload = (VarCharVector) root.getVector(PingSchema.PAYLOAD);
    rowStrings = List.of(ingestNode, pingId, instanceId, event, version, deployType, payload);
    texts = new VarCharVector[] {ingestNode, pingId, instanceId, event, version, deployType, payload, metricKeys, dimensionKeys,
        dimensionValues};
    root.allocateNew();
  }

  /** Copies row {@code fromRow} of {@code from} into row {@code row}. */
  void copyRow(PingVectors from, int fromRow, int row) {
    walPosition.copyFromSafe(fromRow, row, from.walPosition);
    receivedAt.copyFromSafe(fromRow, row, from.receivedAt);
    ingestNode.copyFromSafe(fromRow, row, from.ingestNode);
    pingId.copyFromSafe(fromRow, row, from.pingId);
    instanceId.copyFromSafe(fromRow, row, from.instanceId);
    timestamp.copyFromSafe(fromRow, row, from.timestamp);
    event.copyFromSafe(fromRow, row, from.event);
    version.copyFromSafe(fromRow, row, from.version);
    deployType.copyFromSafe(fromRow, row, from.deployType);
    int entry = metrics.startNewValue(row);
    int start = from.metrics.getElementStartIndex(fromRow);
    int end = from.metrics.getElementEndIndex(fromRow);
    for (int i = start; i < end; i++, entry++) {
      metricEntries.setIndexDefined(entry);
      metricKeys.copyFromSafe(i, entry, from.metricKeys);
      metricValues.copyFromSafe(i, entry, from.metricValues);
    }
    metrics.endValue(row, end - start);
    entry = dimensions.startNewValue(row);
    start = from.dimensions.getElementStartIndex(fromRow);
    end = from.dimensions.getElementEndIndex(fromRow);
    for (int i = start; i < end; i++, entry++) {
      dimensionEntries.setIndexDefined(entry);
      dimensionKeys.copyFromSafe(i, entry, from.dimensionKeys);
      dimensionValues.copyFromSafe(i, entry, from.dimensionValues);
    }
    dimensions.endValue(row, end - start);
    if (from.payload.isNull(fromRow)) {
      payload.setSafe(row, EMPTY);
      payload.setNull(row);
    } else {
      payload.copyFromSafe(fromRow, row, from.payload);
    }
  }

  /**
   * Forgets every row from {@code rows} on, so the next row written is {@code rows} again. The
   * vectors keep their buffers; offsets before {@code rows} are untouched.
   */
  void rollback(int rows) {
    for (BaseVariableWidthVector vector : rowStrings) {
      vector.setLastSet(rows - 1);
    }
    int metricCount = rows == 0 ? 0 : metrics.getElementEndIndex(rows - 1);
    int dimensionCount = rows == 0 ? 0 : dimensions.getElementEndIndex(rows - 1);
    metrics.setLastSet(rows - 1);
    dimensions.setLastSet(rows - 1);
    metricKeys.setLastSet(metricCount - 1);
    dimensionKeys.setLastSet(dimensionCount - 1);
    dimensionValues.setLastSet(dimensionCount - 1);
  }

  /** Publishes {@code rows} rows: value counts of every vector, map children included. */
  void seal(int rows) {
    rollback(rows);
    root.setRowCount(rows);
  }

  /** Empties the vectors and keeps their buffers for the next rows. */
  void reset() {
    root.getFieldVectors().forEach(ValueVector::reset);
    root.setRowCount(0);
  }

  /** Releases every buffer and allocates the initial ones again (after an allocation failure). */
  void reallocate() {
    root.clear();
    root.allocateNew();
  }

  @Override
  public void close() {
    root.close();
  }

  static String string(VarCharVector vector, int index) {
    return new String(vector.get(index), StandardCharsets.UTF_8);
  }
}
