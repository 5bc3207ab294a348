package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.proto.Ping;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.impl.UnionMapWriter;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColdFilesTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  private static final long RECEIVED = NOW.toEpochMilli() + 1234;
  private static final PingMix MIX = new PingMix(3, 200, NOW);

  @TempDir Path cold;

  @Test
  void everyListedFileIsReadAndEachSentPingFoundExactlyOnceWithItsColumns() throws IOException {
    write("day=2026-11-20/a.arrow", range(0, 120));
    write("day=2026-11-21/b.arrow", range(120, 200));
    manifest("day=2026-11-20/a.arrow", "day=2026-11-21/b.arrow");
    ColdFiles files = new ColdFiles(MIX, NOW.toEpochMilli(), RECEIVED);
    files.readAll(cold);
    assertThat(files.problems()).isEmpty();
    assertThat(files.files()).isEqualTo(2);
    assertThat(files.rows()).isEqualTo(200);
    assertThat(files.missing()).isZero();
    assertThat(files.storedTwice()).isZero();
  }

  @Test
  void missingTwiceAndAlteredRowsAreFoundAndUnlistedFilesIgnored() throws IOException {
    List<Ping> pings = range(0, 200);
    pings.remove(5);
    pings.add(MIX.valid(9));
    pings.set(0, MIX.valid(0).toBuilder().setEvent("no.such.event").build());
    pings.add(MIX.valid(1).toBuilder().setPingId("stranger").build());
    write("day=2026-11-21/a.arrow", pings);
    write("day=2026-11-21/uncommitted.arrow", range(0, 200));
    manifest("day=2026-11-21/a.arrow");
    ColdFiles files = new ColdFiles(MIX, NOW.toEpochMilli(), RECEIVED);
    files.readAll(cold);
    assertThat(files.files()).isEqualTo(1);
    assertThat(files.missing()).isEqualTo(1);
    assertThat(files.someMissing()).containsExactly("p-5");
    assertThat(files.storedTwice()).isEqualTo(1);
    assertThat(files.problems()).hasSize(2)
        .anySatisfy(p -> assertThat(p).contains("(p-0): event is no.such.event"))
        .anySatisfy(p -> assertThat(p).contains("stranger"));
  }

  @Test
  void receivedAtOutsideTheRunIsAProblem() throws IOException {
    write("a.arrow", range(0, 40));
    manifest("a.arrow");
    ColdFiles files = new ColdFiles(MIX, RECEIVED + 1, RECEIVED + 2);
    files.readAll(cold);
    assertThat(files.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).contains("received_at"));
  }

  private static List<Ping> range(int from, int to) {
    List<Ping> pings = new ArrayList<>();
    for (int i = from; i < to; i++) {
      pings.add(MIX.valid(i));
    }
    return pings;
  }

  private void manifest(String... paths) throws IOException {
    StringBuilder json = new StringBuilder("{\"files\":[");
    for (int i = 0; i < paths.length; i++) {
      json.append(i == 0 ? "" : ",").append("{\"path\":\"").append(paths[i]).append("\",\"first_position\":1}");
    }
    Files.writeString(cold.resolve("manifest.json"), json.append("],\"committed_position\":99}"));
  }

  /** One ZSTD-compressed Arrow IPC file with the cold store's columns, one batch. */
  private void write(String relative, List<Ping> pings) throws IOException {
    Path file = cold.resolve(relative);
    Files.createDirectories(file.getParent());
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel, Map.of(), IpcOption.DEFAULT,
            CommonsCompressionFactory.INSTANCE, CompressionUtil.CodecType.ZSTD)) {
      root.allocateNew();
      UnionMapWriter metrics = ((MapVector) root.getVector("metrics")).getWriter();
      UnionMapWriter dimensions = ((MapVector) root.getVector("dimensions")).getWriter();
      for (int row = 0; row < pings.size(); row++) {
        Ping ping = pings.get(row);
        ((BigIntVector) root.getVector("wal_position")).setSafe(row, 1000 + row);
        ((TimeStampMicroTZVector) root.getVector("received_at")).setSafe(row, RECEIVED * 1000);
        text(root, "ingest_node", row, "node-1");
        text(root, "ping_id", row, ping.getPingId());
        text(root, "instance_id", row, ping.getInstanceId());
        ((TimeStampMilliTZVector) root.getVector("timestamp")).setSafe(row, PingMix.millis(ping));
        text(root, "event", row, ping.getEvent());
        text(root, "version", row, ping.getVersion());
        text(root, "deploy_type", row, ping.getDeployType());
        metrics.setPosition(row);
        metrics.startMap();
        ping.getMetricsMap().forEach((k, v) -> {
          metrics.startEntry();
          metrics.key().varChar().writeVarChar(k);
          metrics.value().float8().writeFloat8(v);
          metrics.endEntry();
        });
        metrics.endMap();
        dimensions.setPosition(row);
        dimensions.startMap();
        ping.getDimensionsMap().forEach((k, v) -> {
          dimensions.startEntry();
          dimensions.key().varChar().writeVarChar(k);
          dimensions.value().varChar().writeVarChar(v);
          dimensions.endEntry();
        });
        dimensions.endMap();
        if (!ping.getPayload().isEmpty()) {
          text(root, "payload", row, ping.getPayload());
        }
      }
      root.setRowCount(pings.size());
      writer.start();
      writer.writeBatch();
      writer.end();
    }
  }

  private static void text(VectorSchemaRoot root, String column, int row, String value) {
    ((VarCharVector) root.getVector(column)).setSafe(row, value.getBytes(StandardCharsets.UTF_8));
  }

  private static Schema schema() {
    ArrowType utf8 = ArrowType.Utf8.INSTANCE;
    return new Schema(List.of(
        Field.notNullable("wal_position", new ArrowType.Int(64, true)),
        Field.notNullable("received_at", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
        Field.notNullable("ingest_node", utf8),
        Field.notNullable("ping_id", utf8),
        Field.notNullable("instance_id", utf8),
        Field.notNullable("timestamp", new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC")),
        Field.notNullable("event", utf8),
        Field.nullable("version", utf8),
        Field.nullable("deploy_type", utf8),
        map("metrics", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        map("dimensions", utf8),
        Field.nullable("payload", utf8)));
  }

  private static Field map(String name, ArrowType valueType) {
    Field entries = new Field("entries", FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
        Field.notNullable("key", ArrowType.Utf8.INSTANCE), Field.nullable("value", valueType)));
    return new Field(name, FieldType.notNullable(new ArrowType.Map(false)), List.of(entries));
  }
}
