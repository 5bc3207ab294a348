package io.pingstack.engine;

import static io.pingstack.engine.Records.at;
import static io.pingstack.engine.Records.pings;
import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowFileColdStoreTest {
  @TempDir Path dir;

  private static final ArrowColdStoreConfig CONFIG = ArrowColdStoreConfig.defaults();

  /** Accepts {@code records} as one batch whose first record is at {@code firstPosition}. */
  private static void accept(ColdStore store, long firstPosition, List<WalRecord> records) {
    try (ColumnBatch batch = ColumnBatch.of(Records.entries(firstPosition, records.toArray(WalRecord[]::new)))) {
      store.accept(batch);
    }
  }

  private static List<WalRecord> records(String prefix, int count, int pingsEach) {
    List<WalRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(record(pings(prefix + i, pingsEach)));
    }
    return records;
  }

  /** Every row of every committed file, in manifest order, read with Arrow's own reader. */
  private List<PingRow> committedRows() throws IOException {
    List<PingRow> rows = new ArrayList<>();
    for (Manifest.CommittedFile file : Manifest.read(dir).files()) {
      List<PingRow> fileRows = PingRow.readFile(dir.resolve(file.path()));
      assertThat(fileRows).hasSize((int) file.rows());
      rows.addAll(fileRows);
    }
    return rows;
  }

  private List<Path> filesOnDisk() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("manifest")).sorted().toList();
    }
  }

  @Test
  void aBatchOfOneDayThatRepeatsAcceptedRecordsAddsOnlyTheNewOnes() throws IOException {
    List<WalRecord> records = records("r", 4, 3);
    try (ColdStore store = ArrowFileColdStore.open(dir, CONFIG)) {
      store.resumePosition();
      accept(store, 10, records.subList(0, 2)); // written whole: every row new, one day
      accept(store, 10, records); // positions 10 and 11 again: only 12 and 13 go in
      accept(store, 14, records("s", 1, 2));
    }
    List<WalRecord> expected = new ArrayList<>(records);
    expected.addAll(records("s", 1, 2));
    assertThat(committedRows()).containsExactlyElementsOf(PingRow.of(10, expected));
  }

  @Test
  void rowsReadBackWithArrowsOwnReaderEqualWhatWasWrittenColumnByColumn() throws IOException {
    WalRecord first = record(
        TestPings.ping("inst-1", "p-1").at(TestPings.T0).metric("duration_ms", 12.5).metric("results", 3)
            .dimension("lang", "go").dimension("repo", "ünïcode/✓").payload("{\"q\":\"x\"}").build(),
        TestPings.ping("inst-2", "p-2").at(TestPings.T0.plusMillis(1)).version("").deployType("").build());
    WalRecord second = record(Records.RECEIVED_AT + 1, TestPings.ping("inst-3", "p-3").at(TestPings.T0.plusSeconds(5))
        .event("code_intel.hover").deployType("kubernetes").payload("{}").build());
    try (ColdStore store = ArrowFileColdStore.open(dir, CONFIG)) {
      assertThat(store.resumePosition()).isEqualTo(Wal.NONE);
      accept(store, 7, List.of(first, second));
    }
    Manifest manifest = Manifest.read(dir);
    assertThat(manifest.committedPosition()).isEqualTo(8);
    assertThat(manifest.files()).singleElement().isEqualTo(
        new Manifest.CommittedFile("day=2026-11-21/7-8.arrow", "2026-11-21", 7, 8, 3));
    assertThat(committedRows()).containsExactlyElementsOf(PingRow.of(7, List.of(first, second)));
  }

  @Test
  void rowsAreSplitByTheUtcDayOfTheirEventTimestamp() throws IOException {
    WalRecord first = record(at("late-evening", Instant.parse("2026-11-20T23:59:59.999999Z")),
        at("midnight", Instant.parse("2026-11-21T00:00:00Z")), at("two-days-late", Instant.parse("2026-11-19T05:00:00Z")));
    WalRecord second = record(at("noon", Instant.parse("2026-11-21T12:00:00Z")));
    try (ColdStore store = ArrowFileColdStore.open(dir, CONFIG)) {
      store.resumePosition();
      accept(store, 1, List.of(first, second));
    }
    assertThat(Manifest.read(dir).files()).extracting(Manifest.CommittedFile::path).containsExactly(
        "day=2026-11-19/1-1.arrow", "day=2026-11-20/1-1.arrow", "day=2026-11-21/1-2.arrow");
    assertThat(PingRow.readFile(dir.resolve("day=2026-11-19/1-1.arrow"))).extracting(PingRow::pingId).containsExactly("two-days-late");
    assertThat(PingRow.readFile(dir.resolve("day=2026-11-20/1-1.arrow"))).extracting(PingRow::pingId).containsExactly("late-evening");
    assertThat(PingRow.readFile(dir.resolve("day=2026-11-21/1-2.arrow"))).extracting(PingRow::pingId).containsExactly("midnight", "noon");
  }

  @Test
  void commitsOnceTheIntervalPassedOrEnoughRowsAreUncommittedWithOneFilePerDayPerCommit() throws IOException {
    ArrowColdStoreConfig config = CONFIG.withCommitInterval(Duration.ofSeconds(10)).withMaxUncommittedRows(5);
    try (ColdStore store = ArrowFileColdStore.open(dir, config)) {
      store.resumePosition();
      accept(store, 1, records("a", 1, 2));
      accept(store, 2, records("b", 1, 1));
      store.tick(1_000);
      assertThat(store.durablePosition()).isEqualTo(Wal.NONE);
      store.tick(10_999);
      assertThat(store.durablePosition()).as("10 s not passed yet").isEqualTo(Wal.NONE);
      assertThat(Manifest.read(dir).files()).isEmpty();
      store.tick(11_000);
      assertThat(store.durablePosition()).isEqualTo(2);
      assertThat(Manifest.read(dir).files()).extracting(Manifest.CommittedFile::path).containsExactly("day=2026-11-21/1-2.arrow");

      accept(store, 3, records("c", 2, 3));
      assertThat(store.durablePosition()).as("6 rows >= maxUncommittedRows").isEqualTo(4);
      assertThat(Manifest.read(dir).files()).extracting(Manifest.CommittedFile::path)
          .containsExactly("day=2026-11-21/1-2.arrow", "day=2026-11-21/3-4.arrow");
      assertThat(store.resumePosition()).isEqualTo(4);
    }
    assertThat(committedRows()).hasSize(9);
  }

  @Test
  void aStoreAbandonedWithoutCloseResumesAtItsLastCommitAndRefeedingStoresEveryRowOnce() throws IOException {
    List<WalRecord> committed = records("a", 5, 2);
    List<WalRecord> uncommitted = records("b", 5, 2);
    ColdStore crashed = ArrowFileColdStore.open(dir, CONFIG);
    crashed.resumePosition();
    accept(crashed, 0, committed);
    crashed.tick(0);
    crashed.tick(10_000);
    assertThat(crashed.durablePosition()).isEqualTo(4);
    accept(crashed, 5, uncommitted);
    Path renamedButNotInManifest = dir.resolve("day=2026-11-21/5-9.arrow");
    Files.write(renamedButNotInManifest, new byte[] {1, 2, 3});
    Files.createDirectories(dir.resolve("day=2026-11-22"));
    Files.write(dir.resolve("day=2026-11-22/9.arrow.part"), new byte[] {4});
    assertThat(filesOnDisk()).hasSize(4);
    // The process dies here: no close, no commit.

    try (ColdStore reopened = ArrowFileColdStore.open(dir, CONFIG)) {
      assertThat(filesOnDisk()).as("only committed files are left").containsExactly(dir.resolve("day=2026-11-21/0-4.arrow"));
      assertThat(dir.resolve("day=2026-11-22")).doesNotExist();
      assertThat(reopened.durablePosition()).isEqualTo(4);
      assertThat(reopened.resumePosition()).isEqualTo(4);
      List<WalRecord> everything = new ArrayList<>(committed);
      everything.addAll(uncommitted);
      accept(reopened, 0, everything);
    }
    List<WalRecord> everything = new ArrayList<>(committed);
    everything.addAll(uncommitted);
    assertThat(committedRows()).containsExactlyElementsOf(PingRow.of(0, everything));
  }

  @Test
  void theCommittedPositionIsReadFromTheManifestWithoutOpeningTheStore() throws IOException {
    assertThat(ArrowFileColdStore.committedPositionIn(dir)).as("no manifest yet").isEqualTo(Wal.NONE);
    try (ColdStore store = ArrowFileColdStore.open(dir, CONFIG)) {
      store.resumePosition();
      accept(store, 7, records("a", 3, 1));
    }
    Path leftover = dir.resolve("day=2026-11-21/99-100.arrow");
    Files.write(leftover, new byte[] {1});
    assertThat(ArrowFileColdStore.committedPositionIn(dir)).isEqualTo(9);
    assertThat(leftover).as("what a running store has not committed yet is left alone").exists();
  }

  @Test
  void aHalfWrittenManifestTempFileIsIgnored() throws IOException {
    try (ColdStore store = ArrowFileColdStore.open(dir, CONFIG)) {
      store.resumePosition();
      accept(store, 0, records("a", 3, 1));
    }
    Files.writeString(dir.resolve(Manifest.TEMP_NAME), "{\"version\":1,\"committed_position\":99,\"fi");
    try (ColdStore store = ArrowFileColdStore.open(dir, CONFIG)) {
      assertThat(store.resumePosition()).isEqualTo(2);
      assertThat(dir.resolve(Manifest.TEMP_NAME)).doesNotExist();
    }
    assertThat(committedRows()).hasSize(3);
  }

  @Test
  void filesAreZstdCompressedByDefault() throws IOException {
    List<WalRecord> records = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      records.add(record(TestPings.ping("inst-1", "p" + i).at(TestPings.T0).payload("{\"text\":\"" + "lorem ipsum ".repeat(500) + "\"}").build()));
    }
    Path zstd = dir.resolve("zstd");
    Path plain = dir.resolve("plain");
    try (ColdStore compressed = ArrowFileColdStore.open(zstd, CONFIG);
        ColdStore uncompressed = ArrowFileColdStore.open(plain, CONFIG.withCompression(ArrowColdStoreConfig.Compression.NONE))) {
      compressed.resumePosition();
      uncompressed.resumePosition();
      accept(compressed, 0, records);
      accept(uncompressed, 0, records);
    }
    Path zstdFile = zstd.resolve("day=2026-11-21/0-49.arrow");
    Path plainFile = plain.resolve("day=2026-11-21/0-49.arrow");
    assertThat(Files.size(zstdFile)).isLessThan(Files.size(plainFile) / 10);
    assertThat(PingRow.readFile(zstdFile)).containsExactlyElementsOf(PingRow.of(0, records));
    assertThat(codecsAskedToRead(zstdFile)).containsOnly(CompressionUtil.CodecType.ZSTD);
    assertThat(codecsAskedToRead(plainFile)).doesNotContain(CompressionUtil.CodecType.ZSTD);
  }

  /** The codecs a reader needs for every record batch of {@code file}. */
  private static Set<CompressionUtil.CodecType> codecsAskedToRead(Path file) throws IOException {
    Set<CompressionUtil.CodecType> asked = EnumSet.noneOf(CompressionUtil.CodecType.class);
    CompressionCodec.Factory recording = new CompressionCodec.Factory() {
      @Override
      public CompressionCodec createCodec(CompressionUtil.CodecType codecType) {
        asked.add(codecType);
        return CommonsCompressionFactory.INSTANCE.createCodec(codecType);
      }

      @Override
      public CompressionCodec createCodec(CompressionUtil.CodecType codecType, int compressionLevel) {
        asked.add(codecType);
        return CommonsCompressionFactory.INSTANCE.createCodec(codecType, compressionLevel);
      }
    };
    try (BufferAllocator allocator = new RootAllocator();
        FileChannel channel = FileChannel.open(file);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator, recording)) {
      while (reader.loadNextBatch()) {
        assertThat(reader.getVectorSchemaRoot().getRowCount()).isPositive();
      }
    }
    return asked;
  }
}
