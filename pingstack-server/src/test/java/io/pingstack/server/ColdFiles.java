package io.pingstack.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pingstack.model.proto.Ping;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * The embedded cold store as a reader outside the service sees it: the files {@code cold/manifest.json}
 * lists (every {@code "path"} string in it, relative to the cold directory), read with Arrow's own
 * file reader. Checks each row against the {@link PingMix} ping it claims to be.
 */
final class ColdFiles {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int DETAIL_EVERY = 37;
  private static final int KEPT = 30;

  private final PingMix mix;
  private final long receivedFromMillis;
  private final long receivedToMillis;
  /** Per valid ping of the mix, how many rows hold it. */
  private final int[] copies;
  private final List<String> problems = new ArrayList<>();
  private long problemCount;
  private long rows;
  private int files;

  /** Rows must have been received within [{@code receivedFromMillis}, {@code receivedToMillis}]. */
  ColdFiles(PingMix mix, long receivedFromMillis, long receivedToMillis) {
    this.mix = requireNonNull(mix, "mix");
    this.receivedFromMillis = receivedFromMillis;
    this.receivedToMillis = receivedToMillis;
    this.copies = new int[mix.unique()];
  }

  /** The paths the manifest lists, resolved against the cold directory. */
  static List<Path> manifestFiles(Path coldDir) throws IOException {
    List<Path> listed = new ArrayList<>();
    try (JsonParser p = JSON.createParser(Files.readAllBytes(coldDir.resolve("manifest.json")))) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.VALUE_STRING && "path".equals(p.currentName())) {
          listed.add(coldDir.resolve(p.getText()));
        }
      }
    }
    return listed;
  }

  /** Reads every file the manifest under {@code coldDir} lists. */
  void readAll(Path coldDir) throws IOException {
    try (BufferAllocator allocator = new RootAllocator()) {
      for (Path file : manifestFiles(coldDir)) {
        read(file, allocator);
      }
    }
  }

  private void read(Path file, BufferAllocator allocator) throws IOException {
    files++;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator, CommonsCompressionFactory.INSTANCE)) {
      while (reader.loadNextBatch()) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        for (int row = 0; row < root.getRowCount(); row++) {
          checkRow(file, root, row);
        }
      }
    }
  }

  private void checkRow(Path file, VectorSchemaRoot root, int row) {
    rows++;
    String pingId = text(root, "ping_id", row);
    int i = pingId != null && pingId.matches("p-\\d{1,9}") ? Integer.parseInt(pingId.substring(2)) : -1;
    if (i < 0 || i >= copies.length) {
      problem(file + " row " + row + ": ping_id " + pingId + " is no valid ping that was sent");
      return;
    }
    copies[i]++;
    Ping sent = mix.valid(i);
    String where = file.getFileName() + " row " + row + " (" + pingId + ")";
    same(where, "instance_id", sent.getInstanceId(), text(root, "instance_id", row));
    same(where, "event", sent.getEvent(), text(root, "event", row));
    same(where, "timestamp", PingMix.millis(sent), millis(root, "timestamp", row));
    if (i % DETAIL_EVERY != 0) {
      return;
    }
    same(where, "version", sent.getVersion(), text(root, "version", row));
    same(where, "deploy_type", sent.getDeployType(), text(root, "deploy_type", row));
    same(where, "metrics", new TreeMap<>(sent.getMetricsMap()), map(root, "metrics", row));
    same(where, "dimensions", new TreeMap<>(sent.getDimensionsMap()), map(root, "dimensions", row));
    same(where, "payload", sent.getPayload().isEmpty() ? null : sent.getPayload(), emptyAsNull(text(root, "payload", row)));
    Long received = millis(root, "received_at", row);
    if (received == null || received < receivedFromMillis || received > receivedToMillis) {
      problem(where + ": received_at " + received + " outside the test's run");
    }
    String node = text(root, "ingest_node", row);
    if (node == null || node.isEmpty()) {
      problem(where + ": no ingest_node");
    }
    if (root.getVector("wal_position") == null || root.getVector("wal_position").isNull(row)) {
      problem(where + ": no wal_position");
    }
  }

  private void same(String where, String column, Object expected, Object actual) {
    if (!Objects.equals(expected, actual)) {
      problem(where + ": " + column + " is " + actual + ", sent " + expected);
    }
  }

  private void problem(String what) {
    problemCount++;
    if (problems.size() < KEPT) {
      problems.add(what);
    }
  }

  private static String text(VectorSchemaRoot root, String column, int row) {
    FieldVector vector = vector(root, column);
    Object value = vector.getObject(row);
    return value == null ? null : value.toString();
  }

  private static String emptyAsNull(String text) {
    return text == null || text.isEmpty() ? null : text;
  }

  /** A timestamp column's value in epoch millis, whatever its unit. */
  private static Long millis(VectorSchemaRoot root, String column, int row) {
    FieldVector vector = vector(root, column);
    if (!(vector instanceof TimeStampVector timestamps) || !(vector.getField().getType() instanceof ArrowType.Timestamp type)) {
      throw new IllegalStateException("column " + column + " is " + vector.getField().getType() + ", not a timestamp");
    }
    if (timestamps.isNull(row)) {
      return null;
    }
    long raw = timestamps.get(row);
    return switch (type.getUnit()) {
      case SECOND -> TimeUnit.SECONDS.toMillis(raw);
      case MILLISECOND -> raw;
      case MICROSECOND -> Math.floorDiv(raw, 1000L);
      case NANOSECOND -> Math.floorDiv(raw, 1_000_000L);
    };
  }

  /** A map column's entries at {@code row}, keys as text, values as stored (Double or text). */
  private static Map<String, Object> map(VectorSchemaRoot root, String column, int row) {
    if (!(vector(root, column) instanceof MapVector map)) {
      throw new IllegalStateException("column " + column + " is " + vector(root, column).getField().getType() + ", not a map");
    }
    Map<String, Object> entries = new TreeMap<>();
    if (map.isNull(row)) {
      return entries;
    }
    StructVector pairs = (StructVector) map.getDataVector();
    ValueVector keys = pairs.getChildByOrdinal(0);
    ValueVector values = pairs.getChildByOrdinal(1);
    for (int e = map.getElementStartIndex(row); e < map.getElementEndIndex(row); e++) {
      Object value = values.getObject(e);
      entries.put(keys.getObject(e).toString(), value instanceof Double ? value : String.valueOf(value));
    }
    return entries;
  }

  private static FieldVector vector(VectorSchemaRoot root, String column) {
    FieldVector vector = root.getVector(column);
    if (vector == null) {
      throw new IllegalStateException("no column " + column + " in " + root.getSchema());
    }
    return vector;
  }

  /** Valid pings of the mix in no row. */
  long missing() {
    long missing = 0;
    for (int c : copies) {
      missing += c == 0 ? 1 : 0;
    }
    return missing;
  }

  /** Valid pings of the mix in more than one row. */
  long storedTwice() {
    long twice = 0;
    for (int c : copies) {
      twice += c > 1 ? 1 : 0;
    }
    return twice;
  }

  /** The first valid pings in no row, for the failure message. */
  List<String> someMissing() {
    List<String> some = new ArrayList<>();
    for (int i = 0; i < copies.length && some.size() < 10; i++) {
      if (copies[i] == 0) {
        some.add("p-" + i);
      }
    }
    return some;
  }

  long rows() {
    return rows;
  }

  int files() {
    return files;
  }

  long problemCount() {
    return problemCount;
  }

  List<String> problems() {
    return List.copyOf(problems);
  }
}
