package io.pingstack.engine.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.Records;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link RowOrder} puts an INSERT's rows in ClickHouse's order of {@code (event, instance_id, timestamp)}. */
class RowOrderTest {
  /** Events and instance ids that order differently as Java strings, as signed bytes, or when a prefix is compared wrongly. */
  private static final List<String> EVENTS = List.of("search", "search.executed", "Search", "ä.view", "z", "", "search\u0000x");
  private static final List<String> INSTANCES = List.of("inst-1", "inst-10", "inst-2", "Inst-1", "ü-inst", "\uD83D\uDE00", "i");

  @Test
  void rowsComeInTheTablesKeyOrderEachOnce() {
    RowChunks.Chunk chunk = chunk(records(new Random(7)));
    int[] order = RowOrder.of(chunk, 0, chunk.rows);

    assertThat(order).hasSize(chunk.rows);
    assertThat(Arrays.stream(order).sorted().toArray()).isEqualTo(IntStream.range(0, chunk.rows).toArray());
    assertThat(Arrays.stream(order).boxed().map(row -> key(chunk, row)).toList()).isSortedAccordingTo(KEY_ORDER);
    assertThat(Arrays.equals(order, IntStream.range(0, chunk.rows).toArray())).as("the rows were not already in order").isFalse();
  }

  @Test
  void aRangeOfRowsIsOrderedAlone() {
    RowChunks.Chunk chunk = chunk(records(new Random(8)));
    int from = chunk.rows / 3;
    int to = 2 * chunk.rows / 3;
    int[] order = RowOrder.of(chunk, from, to);

    assertThat(Arrays.stream(order).sorted().toArray()).isEqualTo(IntStream.range(from, to).toArray());
    assertThat(Arrays.stream(order).boxed().map(row -> key(chunk, row)).toList()).isSortedAccordingTo(KEY_ORDER);
  }

  @Test
  void theStreamIsTheRowsBytesInThatOrder() throws IOException {
    RowChunks.Chunk chunk = chunk(records(new Random(9)));
    int[] order = RowOrder.of(chunk, 0, chunk.rows);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int row : order) {
      expected.write(chunk.array(), chunk.offset(row), chunk.offset(row + 1) - chunk.offset(row));
    }

    assertThat(expected.size()).isEqualTo(chunk.offset(chunk.rows));
    assertThat(readInPieces(RowOrder.stream(chunk, order), 37)).isEqualTo(expected.toByteArray());
    assertThat(RowOrder.stream(chunk, order).readAllBytes()).isEqualTo(expected.toByteArray());
    InputStream byByte = RowOrder.stream(chunk, order);
    ByteArrayOutputStream single = new ByteArrayOutputStream();
    for (int b = byByte.read(); b != -1; b = byByte.read()) {
      single.write(b);
    }
    assertThat(single.toByteArray()).isEqualTo(expected.toByteArray());
  }

  /** ClickHouse's order: strings by unsigned bytes, a prefix first; then the signed timestamp. */
  private static final Comparator<Key> KEY_ORDER = Comparator.<Key, byte[]>comparing(Key::event, Arrays::compareUnsigned)
      .thenComparing(Key::instance, Arrays::compareUnsigned)
      .thenComparingLong(Key::timestamp);

  private record Key(byte[] event, byte[] instance, long timestamp) {}

  private static Key key(RowChunks.Chunk chunk, int row) {
    byte[] bytes = chunk.array();
    int at = RowChunks.skipString(bytes, chunk.offset(row) + 16); // wal_position, received_at, ingest_node
    at = RowChunks.skipString(bytes, at); // ping_id
    byte[] instance = stringBytes(bytes, at);
    at = RowChunks.skipString(bytes, at);
    long timestamp = RowChunks.int64(bytes, at);
    return new Key(stringBytes(bytes, at + Long.BYTES), instance, timestamp);
  }

  /** The bytes of the RowBinary String at {@code at}. */
  private static byte[] stringBytes(byte[] bytes, int at) {
    int start = at + RowChunks.lengthSize(RowChunks.length(bytes, at));
    return Arrays.copyOfRange(bytes, start, RowChunks.skipString(bytes, at));
  }

  private static byte[] readInPieces(InputStream in, int piece) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[piece];
    for (int n = in.read(buffer, 0, piece); n != -1; n = in.read(buffer, 0, piece)) {
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  private static RowChunks.Chunk chunk(List<WalRecord> records) {
    RowChunks chunks = new RowChunks(Integer.MAX_VALUE, List.of(), List.of());
    try (ColumnBatch batch = ColumnBatch.of(Records.entries(1, records.toArray(WalRecord[]::new)))) {
      for (int row = 0; row < batch.rowCount(); row++) {
        chunks.write(chunks.chunkFor(0, batch.walPosition(row), 1), batch, row);
      }
    }
    return chunks.days().get(0L).get(0);
  }

  /**
   * Rows in random key order, with ties on the whole key, one event and instance with 60 pings in
   * falling timestamps (longer than an insertion sort takes), short runs out of timestamp order, and
   * timestamps before 1970 (negative).
   */
  private static List<WalRecord> records(Random random) {
    List<WalRecord> records = new ArrayList<>();
    Instant base = Instant.parse("1969-12-31T23:59:00Z");
    int n = 0;
    for (int r = 0; r < 40; r++) {
      List<Ping> pings = new ArrayList<>();
      for (int i = 0; i < 12; i++, n++) {
        pings.add(TestPings.ping(INSTANCES.get(random.nextInt(INSTANCES.size())), "p-" + n)
            .event(EVENTS.get(random.nextInt(EVENTS.size())))
            .at(base.plusSeconds(random.nextInt(3) == 0 ? 5 : random.nextInt(240)))
            .build());
      }
      pings.add(TestPings.ping("inst-long-run", "q-" + r).event("search").at(base.plusSeconds(1000 - r)).build());
      pings.add(TestPings.ping("inst-long-run", "q2-" + r).event("search").at(base.plusSeconds(1000 - r)).build());
      records.add(Records.record(Records.RECEIVED_AT + r, pings.toArray(Ping[]::new)));
    }
    return records;
  }
}
