package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;

/** One ping row with every column, built from the proto that went in or from an Arrow file that came out. */
record PingRow(long walPosition, long receivedAt, String ingestNode, String pingId, String instanceId, long timestamp,
    String event, String version, String deployType, Map<String, Double> metrics, Map<String, String> dimensions,
    String payload) {

  static PingRow of(long position, WalRecord record, Ping ping) {
    return new PingRow(position, record.getReceivedAtMicros(), record.getIngestNode(), ping.getPingId(),
        ping.getInstanceId(), ping.getTimestamp().getSeconds() * 1_000_000L + ping.getTimestamp().getNanos() / 1_000, ping.getEvent(), ping.getVersion(),
        ping.getDeployType(), ping.getMetricsMap(), ping.getDimensionsMap(),
        ping.getPayload().isEmpty() ? null : ping.getPayload());
  }

  /** Row {@code row} of {@code batch}, read through its accessors. */
  static PingRow of(ColumnBatch batch, int row) {
    return new PingRow(batch.walPosition(row), batch.receivedAtMicros(row), batch.ingestNode(row), batch.pingId(row),
        batch.instanceId(row), batch.timestampMicros(row), batch.event(row), batch.version(row), batch.deployType(row),
        metrics(batch, row), dimensions(batch, row), batch.payload(row));
  }

  /** The metrics of row {@code row} of {@code batch}, in the ping's order. */
  public static Map<String, Double> metrics(ColumnBatch batch, int row) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (int entry = batch.metricStart(row); entry < batch.metricEnd(row); entry++) {
      metrics.put(batch.metricKey(entry), batch.metricValue(entry));
    }
    return metrics;
  }

  /** The dimensions of row {@code row} of {@code batch}, in the ping's order. */
  public static Map<String, String> dimensions(ColumnBatch batch, int row) {
    Map<String, String> dimensions = new LinkedHashMap<>();
    for (int entry = batch.dimensionStart(row); entry < batch.dimensionEnd(row); entry++) {
      dimensions.put(batch.dimensionKey(entry), batch.dimensionValue(entry));
    }
    return dimensions;
  }

  /** The rows of {@code records}, the first at {@code firstPosition} and the next ones one apart. */
  static List<PingRow> of(long firstPosition, List<WalRecord> records) {
    List<PingRow> rows = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      for (Ping ping : records.get(i).getPingsList()) {
        rows.add(of(firstPosition + i, records.get(i), ping));
      }
    }
    return rows;
  }

  /** Every row of an Arrow IPC file, read with Arrow's own reader; the file's schema must be {@link PingSchema}. */
  static List<PingRow> readFile(Path file) throws IOException {
    List<PingRow> rows = new ArrayList<>();
    try (BufferAllocator allocator = new RootAllocator();
        FileChannel channel = FileChannel.open(file);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator, CommonsCompressionFactory.INSTANCE)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      assertThat(root.getSchema()).isEqualTo(PingSchema.SCHEMA);
      for (ArrowBlock block : reader.getRecordBlocks()) {
        reader.loadRecordBatch(block);
        for (int row = 0; row < root.getRowCount(); row++) {
          rows.add(read(root, row));
        }
      }
    }
    return rows;
  }

  private static PingRow read(VectorSchemaRoot root, int row) {
    VarCharVector payload = (VarCharVector) root.getVector(PingSchema.PAYLOAD);
    return new PingRow(
        ((BigIntVector) root.getVector(PingSchema.WAL_POSITION)).get(row),
        ((TimeStampMicroTZVector) root.getVector(PingSchema.RECEIVED_AT)).get(row),
        string(root, PingSchema.INGEST_NODE, row),
        string(root, PingSchema.PING_ID, row),
        string(root, PingSchema.INSTANCE_ID, row),
        ((TimeStampMicroTZVector) root.getVector(PingSchema.TIMESTAMP)).get(row),
        string(root, PingSchema.EVENT, row),
        string(root, PingSchema.VERSION, row),
        string(root, PingSchema.DEPLOY_TYPE, row),
        map(root, PingSchema.METRICS, row, Double.class),
        map(root, PingSchema.DIMENSIONS, row, String.class),
        payload.isNull(row) ? null : payload.getObject(row).toString());
  }

  private static String string(VectorSchemaRoot root, String column, int row) {
    return ((VarCharVector) root.getVector(column)).getObject(row).toString();
  }

  private static <V> Map<String, V> map(VectorSchemaRoot root, String column, int row, Class<V> valueType) {
    Map<String, V> map = new LinkedHashMap<>();
    for (Object entry : ((MapVector) root.getVector(column)).getObject(row)) {
      Map<?, ?> struct = (Map<?, ?>) entry;
      Object value = struct.get(MapVector.VALUE_NAME);
      map.put(struct.get(MapVector.KEY_NAME).toString(), valueType.cast(valueType == String.class ? value.toString() : value));
    }
    return map;
  }
}
