package io.pingstack.wal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.pingstack.model.RecordBuffer;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The log's pages leave the page cache once every open reader has read them and they are older than
 * the newest {@code wal.page_cache_keep_bytes}, and not before. Residency is read with {@code
 * mincore} on a mapping of the file that never touches its pages. The log lives under {@code
 * target/} rather than the temp dir, which may be a tmpfs whose pages cannot be dropped.
 */
class PageCacheTrimmerTest {
  /** Chronicle's block: small, so that the file spans many and most of them are not mapped. */
  private static final long BLOCK = 1 << 20;
  /** The trims' step; the service's own pass, once a second, may have trimmed up to one step short. */
  private static final long STEP = BLOCK / 8;
  private static final int RECORDS = 320;
  private static final int RECORD_BYTES = 60_000;

  private Path dir;
  private final SetTimeProvider clock = new SetTimeProvider(Duration.ofDays(20_000).toNanos());
  private final AtomicLong dropped = new AtomicLong();
  private final WalMetrics metrics = new WalMetrics() {
    @Override
    public void pageCacheDropped(long bytes) {
      dropped.addAndGet(bytes);
    }
  };

  @BeforeEach
  void createDir() throws IOException {
    Files.createDirectories(Path.of("target"));
    dir = Files.createTempDirectory(Path.of("target"), "page-cache-");
  }

  @AfterEach
  void deleteDir() throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private ChronicleWal open(long keepBytes) {
    WalConfig config = WalConfig.defaults(dir.resolve("wal")).withDiskReserveBytes(0).withPageCacheKeepBytes(keepBytes)
        .withCompression(WalConfig.Compression.NONE); // sizes as written: the records pad with one repeated letter
    return ChronicleWal.open(config, metrics, FileSync.FORCE, clock, BLOCK);
  }

  private static void fill(Wal wal) throws Exception {
    List<CompletableFuture<Long>> acks = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      acks.add(wal.append(RetentionTest.record("p" + i, RECORD_BYTES)));
    }
    for (CompletableFuture<Long> ack : acks) {
      ack.get(30, TimeUnit.SECONDS);
    }
  }

  private static void read(WalReader reader, int records) {
    RecordBuffer buffer = new RecordBuffer();
    for (int i = 0; i < records; i++) {
      assertThat(reader.nextInto(buffer)).isNotEqualTo(Wal.NONE);
    }
  }

  private Path logFile() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
      List<Path> logs = files.filter(p -> p.toString().endsWith(".cq4")).toList();
      assertThat(logs).hasSize(1);
      return logs.get(0);
    }
  }

  private static long offset(WalReader reader) {
    return PageCacheTrimmer.offsetOf(((ChronicleReader) reader).mark());
  }

  @Test
  void dropsWhatEveryOpenReaderHasReadAndKeepsWhatOneHasNot() throws Exception {
    try (ChronicleWal wal = open(0);
        WalReader ahead = wal.reader(Wal.NONE);
        WalReader behind = wal.reader(Wal.NONE)) {
      WalReader closed = wal.reader(Wal.NONE);
      fill(wal);
      Path file = logFile();
      long end = offset(readAll(ahead));
      assertThat(resident(file, 2 * BLOCK, end - 2 * BLOCK)).as("written pages are cached").isGreaterThan(0.9);

      read(closed, 1);
      closed.close(); // read one record: it holds nothing back once closed
      read(behind, RECORDS / 2);
      long middle = offset(behind);
      trim(wal);

      assertThat(resident(file, 2 * BLOCK, middle - 2 * BLOCK)).as("read by every reader").isLessThan(0.1);
      assertThat(resident(file, middle, end - 2 * BLOCK)).as("not yet read by one").isGreaterThan(0.9);
      assertThat(dropped.get()).isBetween(middle - STEP, middle);

      read(behind, RECORDS / 2);
      trim(wal);
      assertThat(resident(file, 2 * BLOCK, end - 2 * BLOCK)).isLessThan(0.1);
      assertThat(dropped.get()).isBetween(end - STEP, end);
    }
  }

  @Test
  void aReaderThatHasNotReadYetHoldsTheWholeLog() throws Exception {
    try (ChronicleWal wal = open(0);
        WalReader reader = wal.reader(Wal.NONE);
        WalReader idle = wal.reader(Wal.NONE)) {
      fill(wal);
      long end = offset(readAll(reader));
      trim(wal);
      assertThat(resident(logFile(), 2 * BLOCK, end - 2 * BLOCK)).isGreaterThan(0.9);
      assertThat(dropped.get()).isZero();
    }
  }

  @Test
  void theNewestKeepBytesStayCached() throws Exception {
    long keep = 8 * BLOCK;
    try (ChronicleWal wal = open(keep); WalReader reader = wal.reader(Wal.NONE)) {
      fill(wal);
      Path file = logFile();
      long end = offset(readAll(reader));
      trim(wal);
      assertThat(resident(file, end - keep, end)).isGreaterThan(0.9);
      assertThat(resident(file, 2 * BLOCK, end - keep - 2 * BLOCK)).isLessThan(0.1);
      assertThat(dropped.get()).isBetween(end - keep - STEP, end - keep);
    }
  }

  /**
   * One pass, after Chronicle has unmapped the blocks its readers and writer left: it unmaps them on
   * a background thread, and the kernel keeps a mapped page (the service's later passes cover them
   * again; a test's single pass would not).
   */
  private static void trim(ChronicleWal wal) {
    BackgroundResourceReleaser.releasePendingResources();
    wal.trimPageCache();
  }

  private static WalReader readAll(WalReader reader) {
    read(reader, RECORDS);
    assertThat(reader.skip()).isEqualTo(Wal.NONE);
    return reader;
  }

  /** The share of the pages of {@code [from, to)} of {@code file} that are in the page cache. */
  private static double resident(Path file, long from, long to) {
    assertThat(to).as("a range to look at").isGreaterThan(from + BLOCK);
    NativeLibrary libc = NativeLibrary.getInstance("c");
    long page = 4096;
    long start = from / page * page;
    long length = (to - start + page - 1) / page * page;
    int fd = libc.getFunction("open").invokeInt(new Object[] {file.toString(), 0});
    assertThat(fd).isNotNegative();
    try {
      Pointer map = libc.getFunction("mmap").invokePointer(new Object[] {Pointer.NULL, length, 1 /* PROT_READ */,
          1 /* MAP_SHARED */, fd, start});
      assertThat(Pointer.nativeValue(map)).isNotEqualTo(-1L);
      try {
        int pages = (int) (length / page);
        Memory vector = new Memory(pages);
        assertThat(libc.getFunction("mincore").invokeInt(new Object[] {map, length, vector})).isZero();
        int in = 0;
        for (int i = 0; i < pages; i++) {
          in += vector.getByte(i) & 1;
        }
        return (double) in / pages;
      } finally {
        libc.getFunction("munmap").invokeInt(new Object[] {map, length});
      }
    } finally {
      libc.getFunction("close").invokeInt(new Object[] {fd});
    }
  }
}
