package io.pingstack.engine.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.data_formats.RowBinaryFormatSerializer;
import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.Records;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The rows {@link RowChunks} encodes from the batch's UTF-8 bytes are byte for byte what client-v2's
 * {@link RowBinaryFormatSerializer} writes for the same row read as {@code String}s.
 */
class RowChunksTest {
  private static final List<String> DIMENSIONS = List.of("lang", "région");
  private static final List<String> METRICS = List.of("duration_ms", "count");

  @Test
  void rowsAreEncodedAsTheClientsSerializerEncodesTheirStrings() throws IOException {
    List<WalRecord> records = records(new Random(42));
    try (ColumnBatch batch = ColumnBatch.of(Records.entries(1000, records.toArray(WalRecord[]::new)))) {
      assertThat(batch.rowCount()).isGreaterThan(400);
      for (boolean declared : new boolean[] {false, true}) {
        List<String> dimensions = declared ? DIMENSIONS : List.of();
        List<String> metrics = declared ? METRICS : List.of();
        RowChunks chunks = new RowChunks(Integer.MAX_VALUE, dimensions, metrics);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int row = 0; row < batch.rowCount(); row++) {
          chunks.write(chunks.chunkFor(0, batch.walPosition(row), 1), batch, row);
          reference(new RowBinaryFormatSerializer(expected), expected, batch, row, dimensions, metrics);
        }
        RowChunks.Chunk chunk = chunks.days().get(0L).get(0);
        assertThat(chunk.rows).isEqualTo(batch.rowCount());
        assertThat(chunks.bytes()).isEqualTo(expected.size()).isGreaterThan(64 * 1024);
        assertThat(Arrays.copyOf(chunk.array(), chunk.offset(chunk.rows))).isEqualTo(expected.toByteArray());
        RowChunks.RowKey key = RowChunks.RowKey.read(chunk.array(), chunk.offset(7));
        assertThat(key).isEqualTo(new RowChunks.RowKey(batch.walPosition(7), batch.instanceId(7), batch.pingId(7)));
      }
    }
  }

  /** Pings with every column distinct, non-ASCII text, long payloads (multi-byte lengths), none, and many entries. */
  private static List<WalRecord> records(Random random) {
    List<WalRecord> records = new ArrayList<>();
    for (int r = 0; r < 60; r++) {
      List<Ping> pings = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int n = r * 8 + i;
        TestPings.Builder ping = TestPings.ping("inst-" + random.nextInt(50) + (n % 5 == 0 ? "-ü✓" : ""), "p-" + n)
            .at(TestPings.T0.plusSeconds(n))
            .event("ev." + random.nextInt(4))
            .version(n % 7 == 0 ? "" : "5." + random.nextInt(3))
            .deployType(n % 9 == 0 ? "" : "docker-" + random.nextInt(2));
        int metrics = random.nextInt(n % 50 == 0 ? 40 : 4);
        for (int m = 0; m < metrics; m++) {
          ping.metric(m < METRICS.size() && random.nextBoolean() ? METRICS.get(m) : "m" + m, random.nextDouble() * 1000);
        }
        int dimensions = random.nextInt(n % 60 == 0 ? 30 : 4);
        for (int d = 0; d < dimensions; d++) {
          ping.dimension(d < DIMENSIONS.size() && random.nextBoolean() ? DIMENSIONS.get(d) : "d" + d, "v" + random.nextInt(9) + "é");
        }
        if (n % 3 != 0) {
          ping.payload("{\"k\":\"" + "x".repeat(random.nextInt(n % 4 == 0 ? 400 : 40)) + "\"}");
        }
        pings.add(ping.build());
      }
      records.add(Records.record(Records.RECEIVED_AT + r, pings.toArray(Ping[]::new)));
    }
    return records;
  }

  /** The row as the cold store encoded it through client-v2's serializer before: from Strings. */
  private static void reference(RowBinaryFormatSerializer out, ByteArrayOutputStream bytes, ColumnBatch batch, int row,
      List<String> dimensions, List<String> metrics) throws IOException {
    out.writeInt64(batch.walPosition(row));
    out.writeInt64(batch.receivedAtMicros(row));
    out.writeString(batch.ingestNode(row));
    out.writeString(batch.pingId(row));
    out.writeString(batch.instanceId(row));
    out.writeInt64(batch.timestampMicros(row));
    out.writeString(batch.event(row));
    out.writeString(batch.version(row));
    out.writeString(batch.deployType(row));
    Map<String, String> dimensionValues = new LinkedHashMap<>();
    for (int entry = batch.dimensionStart(row); entry < batch.dimensionEnd(row); entry++) {
      dimensionValues.put(batch.dimensionKey(entry), batch.dimensionValue(entry));
    }
    Map<String, Double> metricValues = new LinkedHashMap<>();
    for (int entry = batch.metricStart(row); entry < batch.metricEnd(row); entry++) {
      metricValues.put(batch.metricKey(entry), batch.metricValue(entry));
    }
    for (String key : dimensions) {
      String value = dimensionValues.remove(key);
      if (value == null) {
        out.writeNull();
      } else {
        out.writeNotNull();
        out.writeString(value);
      }
    }
    for (String key : metrics) {
      Double value = metricValues.remove(key);
      if (value == null) {
        out.writeNull();
      } else {
        out.writeNotNull();
        out.writeFloat64(value);
      }
    }
    RowBinaryFormatSerializer.writeSize(bytes, metricValues.size());
    for (String key : metricValues.keySet()) {
      out.writeString(key);
    }
    RowBinaryFormatSerializer.writeSize(bytes, metricValues.size());
    for (double value : metricValues.values()) {
      out.writeFloat64(value);
    }
    RowBinaryFormatSerializer.writeSize(bytes, dimensionValues.size());
    for (String key : dimensionValues.keySet()) {
      out.writeString(key);
    }
    RowBinaryFormatSerializer.writeSize(bytes, dimensionValues.size());
    for (String value : dimensionValues.values()) {
      out.writeString(value);
    }
    String payload = batch.payload(row);
    out.writeString(payload == null ? "" : payload);
  }
}
