package io.pingstack.wal;

import io.pingstack.model.RecordBuffer;
import io.pingstack.model.Wal;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalUnavailableException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChronicleWalTest {
  @TempDir Path dir;

  static byte[] record(String pingId) {
    return WalRecord.newBuilder()
        .setReceivedAtMicros(1)
        .setIngestNode("node-1")
        .addPings(Ping.newBuilder().setPingId(pingId).setInstanceId("inst-1").setEvent("search.executed"))
        .build()
        .toByteArray();
  }

  WalConfig config() {
    return WalConfig.defaults(dir.resolve("wal")).withDiskReserveBytes(0);
  }

  WalConfig compressed() {
    return config().withCompression(WalConfig.Compression.ZSTD);
  }

  @Test
  void appendedRecordsReadBackInOrderWithIncreasingPositions() throws Exception {
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      long p1 = wal.append(record("a")).get(10, TimeUnit.SECONDS);
      long p2 = wal.append(record("b")).get(10, TimeUnit.SECONDS);
      assertThat(p2).isGreaterThan(p1);
      assertThat(wal.firstPosition()).isEqualTo(p1);
      assertThat(wal.lastPosition()).isEqualTo(p2);
      try (WalReader reader = wal.reader(Wal.NONE)) {
        assertThat(reader.next().record().getPings(0).getPingId()).isEqualTo("a");
        WalReader.Entry second = reader.next();
        assertThat(second.position()).isEqualTo(p2);
        assertThat(second.record().getPings(0).getPingId()).isEqualTo("b");
        assertThat(reader.next()).isNull();
      }
      try (WalReader reader = wal.reader(p2)) {
        assertThat(reader.next().position()).isEqualTo(p2);
      }
      try (WalReader reader = wal.readerFromEnd()) {
        assertThat(reader.next().position()).isEqualTo(p2);
        assertThat(reader.next().position()).isEqualTo(p1);
      }
    }
  }

  @Test
  void aSkippedRecordGivesItsPositionAndTheNextReadIsTheOneAfterIt() throws Exception {
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      long p1 = wal.append(record("a")).get(10, TimeUnit.SECONDS);
      long p2 = wal.append(record("b")).get(10, TimeUnit.SECONDS);
      long p3 = wal.append(record("c")).get(10, TimeUnit.SECONDS);
      try (WalReader reader = wal.reader(Wal.NONE)) {
        assertThat(reader.skip()).isEqualTo(p1);
        assertThat(reader.skip()).isEqualTo(p2);
        WalReader.Entry third = reader.next();
        assertThat(third.position()).isEqualTo(p3);
        assertThat(third.record().getPings(0).getPingId()).isEqualTo("c");
        assertThat(reader.skip()).as("nothing after the last record").isEqualTo(Wal.NONE);
      }
    }
  }

  @Test
  void aReusedBufferHoldsEachRecordWhateverTheSizeOfTheOneBefore() throws Exception {
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      byte[] longer = record("a-much-longer-ping-id-" + "x".repeat(500));
      byte[] shorter = record("b");
      long p1 = wal.append(longer).get(10, TimeUnit.SECONDS);
      long p2 = wal.append(shorter).get(10, TimeUnit.SECONDS);
      RecordBuffer buffer = new RecordBuffer();
      try (WalReader reader = wal.reader(Wal.NONE)) {
        assertThat(reader.nextInto(buffer)).isEqualTo(p1);
        assertThat(Arrays.copyOf(buffer.bytes(), buffer.length())).isEqualTo(longer);
        byte[] array = buffer.bytes();
        assertThat(reader.nextInto(buffer)).isEqualTo(p2);
        assertThat(buffer.bytes()).as("the same array, reused").isSameAs(array);
        assertThat(Arrays.copyOf(buffer.bytes(), buffer.length())).isEqualTo(shorter);
        assertThat(reader.nextInto(buffer)).isEqualTo(Wal.NONE);
      }
      try (WalReader reader = wal.readerFromEnd()) {
        assertThat(reader.nextInto(buffer)).isEqualTo(p2);
        assertThat(Arrays.copyOf(buffer.bytes(), buffer.length())).isEqualTo(shorter);
        assertThat(reader.nextInto(buffer)).isEqualTo(p1);
        assertThat(Arrays.copyOf(buffer.bytes(), buffer.length())).isEqualTo(longer);
      }
    }
  }

  /** A record of {@code pings} pings, compressible as a real batch is (repeated names, versions, keys). */
  static byte[] batch(String prefix, int pings) {
    WalRecord.Builder record = WalRecord.newBuilder().setReceivedAtMicros(1).setIngestNode("node-1").setPrincipal("anonymous");
    for (int i = 0; i < pings; i++) {
      record.addPings(Ping.newBuilder().setPingId(prefix + "-" + i).setInstanceId("inst-" + (i % 7)).setEvent("search.executed")
          .setVersion("5.3.0").setDeployType("kubernetes").putMetrics("latency_ms", i * 1.5));
    }
    return record.build().toByteArray();
  }

  /**
   * WAL metrics that list the bytes each record took in the log, in the order written, and whether
   * each compression tried made its record smaller.
   */
  static final class Appended implements WalMetrics {
    final List<Integer> bytes = new ArrayList<>();
    final List<Boolean> compressions = new ArrayList<>();

    @Override
    public synchronized void appended(int n) {
      bytes.add(n);
    }

    @Override
    public synchronized void compressionTried(boolean smaller) {
      compressions.add(smaller);
    }
  }

  @Test
  void aBatchIsStoredCompressedAndReadsBackAsAppendedWhileASmallRecordIsStoredAsItIs() throws Exception {
    Appended metrics = new Appended();
    byte[] big = batch("p", 100);
    byte[] small = record("s");
    try (Wal wal = ChronicleWal.open(compressed(), metrics)) {
      long p1 = wal.append(big).get(10, TimeUnit.SECONDS);
      long p2 = wal.append(small).get(10, TimeUnit.SECONDS);
      try (WalReader reader = wal.reader(Wal.NONE)) {
        assertThat(reader.nextRaw()).satisfies(e -> {
          assertThat(e.position()).isEqualTo(p1);
          assertThat(e.bytes()).isEqualTo(big);
        });
        assertThat(reader.nextRaw().bytes()).isEqualTo(small);
      }
      try (WalReader reader = wal.readerFromEnd()) {
        assertThat(reader.nextRaw().position()).isEqualTo(p2);
        assertThat(reader.nextRaw().bytes()).isEqualTo(big);
      }
    }
    assertThat(metrics.bytes).hasSize(2);
    assertThat(metrics.bytes.get(0)).as("stored bytes of a %d-byte batch", big.length).isLessThan(big.length / 3);
    assertThat(metrics.bytes.get(1)).isEqualTo(small.length);
  }

  /** What a log opened with {@code config} stored of the record {@code toAppend} gave it, and what it read back. */
  private record Stored(List<Integer> bytes, byte[] readBack) {}

  private Stored appendAndRead(WalConfig config, java.util.function.Function<Wal, byte[]> toAppend) throws Exception {
    Appended metrics = new Appended();
    try (Wal wal = ChronicleWal.open(config, metrics)) {
      wal.append(toAppend.apply(wal)).get(10, TimeUnit.SECONDS);
      try (WalReader reader = wal.reader(Wal.NONE)) {
        return new Stored(metrics.bytes, reader.nextRaw().bytes());
      }
    }
  }

  @Test
  void withCompressionOffABatchIsStoredAsItIs() throws Exception {
    byte[] big = batch("p", 100);
    Stored stored = appendAndRead(config().withCompression(WalConfig.Compression.NONE), wal -> big);
    assertThat(stored.readBack()).isEqualTo(big);
    assertThat(stored.bytes()).containsExactly(big.length);
  }

  @Test
  void aLogReadsWhateverEachRecordWasWrittenWith() throws Exception {
    List<byte[]> appended = new ArrayList<>();
    for (WalConfig.Compression compression : List.of(WalConfig.Compression.NONE, WalConfig.Compression.ZSTD,
        WalConfig.Compression.NONE)) {
      try (Wal wal = ChronicleWal.open(config().withCompression(compression), WalMetrics.NOOP)) {
        byte[] big = batch(compression.name() + appended.size(), 50);
        wal.append(big).get(10, TimeUnit.SECONDS);
        appended.add(big);
        List<byte[]> read = new ArrayList<>();
        try (WalReader reader = wal.reader(Wal.NONE)) {
          for (WalReader.RawEntry e = reader.nextRaw(); e != null; e = reader.nextRaw()) {
            read.add(e.bytes());
          }
        }
        assertThat(read).as("read back with compression %s", compression).containsExactlyElementsOf(appended);
      }
    }
  }

  @Test
  void aRecordEncodedBeforeItsAppendIsStoredOnceCompressed() throws Exception {
    byte[] big = batch("p", 100);
    List<byte[]> encoded = new ArrayList<>();
    Stored stored = appendAndRead(compressed(), wal -> {
      encoded.add(wal.encode(big));
      encoded.add(wal.encode(encoded.get(0)));
      return encoded.get(1);
    });
    assertThat(encoded.get(0).length).isLessThan(big.length / 3);
    assertThat(encoded.get(1)).as("encoding is idempotent").isSameAs(encoded.get(0));
    assertThat(stored.bytes()).containsExactly(encoded.get(0).length);
    assertThat(stored.readBack()).isEqualTo(big);
  }

  @Test
  void aRecordEncodedBeforeItsAppendIsCompressedOnceEvenWhenThatDidNotMakeItSmaller() throws Exception {
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    noise[0] = 1; // a WAL record never starts with a zero byte
    byte[] big = batch("p", 100);
    Appended metrics = new Appended();
    try (Wal wal = ChronicleWal.open(compressed(), metrics)) {
      byte[] encodedNoise = wal.encode(noise);
      byte[] encodedBig = wal.encode(big);
      wal.appendEncoded(encodedNoise).get(10, TimeUnit.SECONDS);
      wal.appendEncoded(encodedBig).get(10, TimeUnit.SECONDS);

      assertThat(encodedNoise).as("stored as appended: its frame is no smaller").isSameAs(noise);
      assertThat(metrics.compressions).as("one try per record, in the encode only").containsExactly(false, true);
      assertThat(metrics.bytes).containsExactly(noise.length, encodedBig.length);
      try (WalReader reader = wal.reader(Wal.NONE)) {
        assertThat(reader.nextRaw().bytes()).isEqualTo(noise);
        assertThat(reader.nextRaw().bytes()).isEqualTo(big);
      }
    }
  }

  @Test
  void appendingAsEncodedChecksWhatItStoresAsItIs() throws Exception {
    try (Wal wal = ChronicleWal.open(compressed(), WalMetrics.NOOP)) {
      assertThatThrownBy(() -> wal.appendEncoded(new byte[] {0, 1, 2, 3})).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("zero byte");
      byte[] huge = new byte[WalConfig.MAX_RECORD_BYTES + 1];
      huge[0] = 1;
      assertThatThrownBy(() -> wal.appendEncoded(huge)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("over the limit");
      byte[] big = batch("p", 100);
      wal.appendEncoded(big).get(10, TimeUnit.SECONDS);
      try (WalReader reader = wal.reader(Wal.NONE)) {
        assertThat(reader.nextRaw().bytes()).as("a record not encoded first is stored as it is").isEqualTo(big);
      }
    }
  }

  @Test
  void threadsEncodingAtOnceEachGetTheirOwnRecordsBack() throws Exception {
    int threads = 8;
    int each = 40;
    byte[][][] originals = new byte[threads][each][];
    byte[][][] encoded = new byte[threads][each][];
    try (Wal wal = ChronicleWal.open(compressed(), WalMetrics.NOOP)) {
      List<Thread> running = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        for (int i = 0; i < each; i++) {
          originals[t][i] = batch("t" + t + "-" + i, 20 + i);
        }
        Thread encoder = new Thread(() -> {
          for (int i = 0; i < each; i++) {
            encoded[thread][i] = wal.encode(originals[thread][i]);
          }
        });
        running.add(encoder);
        encoder.start();
      }
      for (Thread encoder : running) {
        encoder.join(10_000);
      }
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < each; i++) {
          wal.appendEncoded(encoded[t][i]).get(10, TimeUnit.SECONDS);
        }
      }
      try (WalReader reader = wal.reader(Wal.NONE)) {
        for (int t = 0; t < threads; t++) {
          for (int i = 0; i < each; i++) {
            assertThat(reader.nextRaw().bytes()).as("thread %d, record %d", t, i).isEqualTo(originals[t][i]);
          }
        }
      }
    }
  }

  @Test
  void aRecordThatStartsWithAZeroByteButWasNotCompressedHereIsRefused() throws Exception {
    try (Wal wal = ChronicleWal.open(compressed(), WalMetrics.NOOP)) {
      assertThatThrownBy(() -> wal.append(new byte[] {0, 1, 2, 3})).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("zero byte");
      assertThatThrownBy(() -> wal.append(new byte[] {0})).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aDamagedCompressedRecordIsReportedAsCorruptInsteadOfBeingRead() throws Exception {
    byte[] big = batch("p", 100);
    long bad;
    byte[] stored;
    try (Wal wal = ChronicleWal.open(compressed(), WalMetrics.NOOP)) {
      wal.append(record("good")).get(10, TimeUnit.SECONDS);
      stored = wal.encode(big);
      bad = wal.append(stored).get(10, TimeUnit.SECONDS);
    }
    WalFileDamage.Found found = WalFileDamage.find(compressed().dir(), stored);
    int middle = stored.length / 2;
    WalFileDamage.write(found, middle, ByteBuffer.wrap(new byte[] {(byte) ~WalFileDamage.read(found, middle)}));
    try (Wal wal = ChronicleWal.openReadOnly(compressed().dir()); WalReader reader = wal.reader(Wal.NONE)) {
      assertThat(reader.next().record().getPings(0).getPingId()).isEqualTo("good");
      assertThatThrownBy(reader::nextRaw)
          .isInstanceOfSatisfying(WalCorruptException.class, e -> assertThat(e.position()).isEqualTo(bad));
    }
  }

  @Test
  void recordsSurviveCloseAndReopen() throws Exception {
    long position;
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      position = wal.append(record("kept")).get(10, TimeUnit.SECONDS);
    }
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP); WalReader reader = wal.reader(position)) {
      assertThat(reader.next().record().getPings(0).getPingId()).isEqualTo("kept");
    }
  }

  @Test
  void concurrentAppendsShareSyncsAndEachAckFollowsASync() throws Exception {
    AtomicInteger syncs = new AtomicInteger();
    FileSync counting = channel -> {
      channel.force(false);
      syncs.incrementAndGet();
    };
    int appends = 2000;
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP, counting)) {
      List<CompletableFuture<Long>> acks = new ArrayList<>();
      List<Integer> syncsSeenAtAck = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < appends; i++) {
        acks.add(wal.append(record("p" + i)).whenComplete((pos, err) -> syncsSeenAtAck.add(syncs.get())));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(syncsSeenAtAck).hasSize(appends).allMatch(n -> n >= 1);
    }
    assertThat(syncs.get()).isGreaterThan(0).isLessThan(appends);
  }

  @Test
  void barrierCompletesAfterEarlierRecordsAreDurable() throws Exception {
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      CompletableFuture<Long> append = wal.append(record("a"));
      long barrier = wal.barrier().get(10, TimeUnit.SECONDS);
      assertThat(append).isDone();
      assertThat(barrier).isEqualTo(append.get());
    }
  }

  @Test
  void noSyncModeNeverSyncs() throws Exception {
    AtomicInteger syncs = new AtomicInteger();
    try (Wal wal = ChronicleWal.open(config().withSync(WalConfig.Sync.NONE), WalMetrics.NOOP, ch -> syncs.incrementAndGet())) {
      wal.append(record("a")).get(10, TimeUnit.SECONDS);
    }
    assertThat(syncs.get()).isZero();
  }

  @Test
  void failedSyncStopsAcknowledgementForGood() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    FileSync failing = channel -> {
      if (calls.incrementAndGet() > 2) { // the directory and the first file sync succeed
        throw new IOException("injected EIO");
      }
      channel.force(false);
    };
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP, failing)) {
      wal.append(record("ok")).get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> wal.append(record("lost")).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(WalUnavailableException.class);
      assertThat(wal.refusal()).isEqualTo(WalUnavailableException.Cause.FAILED);
      assertThatThrownBy(() -> wal.append(record("later")).get(10, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(WalUnavailableException.class,
              e -> assertThat(e.reason()).isEqualTo(WalUnavailableException.Cause.FAILED));
    }
  }

  @Test
  void fullQueueRefusesWithBackpressureAndTakesRecordsAgainOnceTheWriterCatchesUp() throws Exception {
    java.util.concurrent.CountDownLatch syncing = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    FileSync held = channel -> {
      syncing.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      channel.force(false);
    };
    try (Wal wal = ChronicleWal.open(config().withQueueCapacity(2), WalMetrics.NOOP, held)) {
      CompletableFuture<Long> a = wal.append(record("a"));
      assertThat(syncing.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds "a" in its sync
      CompletableFuture<Long> b = wal.append(record("b"));
      CompletableFuture<Long> c = wal.append(record("c"));

      assertThat(wal.refusal()).isEqualTo(WalUnavailableException.Cause.BACKPRESSURE);
      assertThatThrownBy(() -> wal.append(record("refused")).get(10, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(WalUnavailableException.class,
              e -> assertThat(e.reason()).isEqualTo(WalUnavailableException.Cause.BACKPRESSURE));

      release.countDown();
      assertThat(List.of(a.get(10, TimeUnit.SECONDS), b.get(10, TimeUnit.SECONDS), c.get(10, TimeUnit.SECONDS)))
          .isSorted().doesNotHaveDuplicates();
      wal.barrier().get(10, TimeUnit.SECONDS);
      assertThat(wal.refusal()).isNull();
      long d = wal.append(record("d")).get(10, TimeUnit.SECONDS);
      assertThat(d).isGreaterThan(c.get());
    }
  }

  @Test
  void secondOpenOfTheSameDirectoryIsRefused() {
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      assertThat(wal.lastPosition()).isEqualTo(Wal.NONE);
      assertThatThrownBy(() -> ChronicleWal.open(config(), WalMetrics.NOOP))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another process holds");
    }
  }

  @Test
  void restartWithTheSamePidTakesOverAStaleChronicleLock() throws Exception {
    Path walDir = config().dir();
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      wal.append(record("before")).get(10, TimeUnit.SECONDS);
    }
    // A writer of this very PID dies holding Chronicle's write lock mid-document.
    ChronicleQueue crashed = SingleChronicleQueueBuilder.binary(walDir).rollCycle(net.openhft.chronicle.queue.RollCycles.FAST_HOURLY).timeoutMS(1_000).build();
    ExcerptAppender appender = crashed.createAppender();
    DocumentContext open = appender.writingDocument();
    open.wire().bytes().write(new byte[] {1, 2, 3});
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      long position = wal.append(record("after")).get(5, TimeUnit.SECONDS);
      assertThat(position).isGreaterThan(wal.firstPosition());
    }
  }

  @Test
  void diskReserveRefusesAppendsAndRecoversWhenSpaceReturns() throws Exception {
    Path walDir = config().dir();
    Files.createDirectories(walDir);
    long reserve = walDir.toFile().getUsableSpace() - (256L << 20);
    try (Wal wal = ChronicleWal.open(config().withDiskReserveBytes(reserve), WalMetrics.NOOP)) {
      wal.append(record("fits")).get(10, TimeUnit.SECONDS);
      Path filler = dir.resolve("filler");
      DiskFiller.fill(filler, 512L << 20);
      awaitCondition(() -> wal.refusal() == WalUnavailableException.Cause.DISK_RESERVE);
      assertThatThrownBy(() -> wal.append(record("refused")).get(10, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(WalUnavailableException.class,
              e -> assertThat(e.reason()).isEqualTo(WalUnavailableException.Cause.DISK_RESERVE));
      Files.delete(filler);
      awaitCondition(() -> wal.refusal() == null);
      wal.append(record("after")).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void retentionDeletesOnlyOldFilesThatEveryConsumerPassed() throws Exception {
    SetTimeProvider clock = new SetTimeProvider(Duration.ofDays(20_000).toNanos());
    WalConfig cfg = config().withRetention(Duration.ofHours(2), Duration.ofDays(1));
    long[] applied = {Wal.NONE};
    try (ChronicleWal wal = ChronicleWal.open(cfg, WalMetrics.NOOP, FileSync.FORCE, clock)) {
      wal.registerConsumer("cold", () -> applied[0]);
      List<Long> positions = new ArrayList<>();
      for (int hour = 0; hour < 4; hour++) {
        positions.add(wal.append(record("h" + hour)).get(10, TimeUnit.SECONDS));
        clock.advanceMillis(Duration.ofHours(1).toMillis());
      }
      clock.advanceMillis(Duration.ofHours(1).toMillis());
      // Four hourly files; the clock is 1 h past the last one's end.
      assertThat(wal.runRetention()).as("consumer has applied nothing").isZero();
      applied[0] = positions.get(2);
      // Files of hours 0 and 1 are passed; hour 1 ended only 3 h ago but hour 0's file is 4 h old: both qualify.
      assertThat(wal.runRetention()).isEqualTo(2);
      assertThat(wal.firstPosition()).isEqualTo(positions.get(2));
      applied[0] = positions.get(3);
      assertThat(wal.runRetention()).as("the newest file is never deleted; hour 2 ended 2 h ago").isEqualTo(1);
      assertThat(wal.runRetention()).isZero();
      assertThat(wal.firstPosition()).isEqualTo(positions.get(3));
    }
  }

  @Test
  void recordsBetweenCountsRecordsAfterOnePositionUpToAnotherAcrossHourlyFiles() throws Exception {
    SetTimeProvider clock = new SetTimeProvider(Duration.ofDays(20_000).toNanos());
    WalConfig cfg = config().withRetention(Duration.ofHours(1), Duration.ofDays(1));
    long[] applied = {Wal.NONE};
    try (ChronicleWal wal = ChronicleWal.open(cfg, WalMetrics.NOOP, FileSync.FORCE, clock)) {
      wal.registerConsumer("lag", () -> applied[0]);
      assertThat(wal.recordsBetween(Wal.NONE, wal.lastPosition())).as("empty log").isZero();
      List<Long> positions = new ArrayList<>();
      for (int hour = 0; hour < 4; hour++) {
        for (int i = 0; i < 3; i++) {
          positions.add(wal.append(record("h" + hour + "-" + i)).get(10, TimeUnit.SECONDS));
        }
        // Hour 2 is skipped: no file for it, so hours 1 and 3 are not adjacent cycles.
        clock.advanceMillis(Duration.ofHours(hour == 1 ? 2 : 1).toMillis());
      }
      long last = wal.lastPosition();
      assertThat(last).isEqualTo(positions.get(11));
      assertThat(wal.recordsBetween(Wal.NONE, last)).isEqualTo(12);
      assertThat(wal.recordsBetween(positions.get(0), last)).isEqualTo(11);
      assertThat(wal.recordsBetween(positions.get(1), positions.get(2))).as("same file").isEqualTo(1);
      assertThat(wal.recordsBetween(positions.get(2), positions.get(3))).as("adjacent files").isEqualTo(1);
      assertThat(wal.recordsBetween(positions.get(4), positions.get(7))).as("across the missing hour").isEqualTo(3);
      assertThat(wal.recordsBetween(positions.get(2), positions.get(10))).isEqualTo(8);
      assertThat(wal.recordsBetween(last, last)).isZero();
      assertThat(wal.recordsBetween(positions.get(5), positions.get(4))).isZero();
      assertThat(wal.recordsBetween(Wal.NONE, Wal.NONE)).isZero();

      applied[0] = positions.get(3);
      assertThat(wal.runRetention()).as("hour 0's file is passed").isEqualTo(1);
      assertThat(wal.recordsBetween(positions.get(2), last)).as("after a deleted record: from the first kept").isEqualTo(9);
      assertThat(wal.recordsBetween(Wal.NONE, last)).isEqualTo(9);
      assertThat(wal.recordsBetween(positions.get(3), last)).isEqualTo(8);
    }
  }

  @Test
  void readOnlyOpenReadsAStoppedLogAndChangesNothingInItsDirectory() throws Exception {
    Path walDir = config().dir();
    long position;
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      position = wal.append(record("a")).get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> ChronicleWal.openReadOnly(walDir))
          .isInstanceOf(WalLockedException.class)
          .hasMessageContaining("another process holds");
    }
    Map<String, String> before = listing(walDir);
    try (Wal wal = ChronicleWal.openReadOnly(walDir)) {
      assertThat(wal.firstPosition()).isEqualTo(position);
      assertThat(wal.lastPosition()).isEqualTo(position);
      try (WalReader reader = wal.reader(Wal.NONE)) {
        assertThat(reader.next().record().getPings(0).getPingId()).isEqualTo("a");
        assertThat(reader.next()).isNull();
      }
      assertThat(wal.files()).singleElement().satisfies(f -> {
        assertThat(f.records()).isEqualTo(1);
        assertThat(f.firstPosition()).isEqualTo(position);
      });
      assertThat(wal.refusal()).isEqualTo(WalUnavailableException.Cause.CLOSED);
      assertThatThrownBy(() -> wal.append(record("b")).get(10, TimeUnit.SECONDS))
          .cause().isInstanceOf(WalUnavailableException.class).hasMessageContaining("read-only");
      assertThatThrownBy(() -> ChronicleWal.open(config(), WalMetrics.NOOP)).isInstanceOf(WalLockedException.class);
    }
    assertThat(listing(walDir)).isEqualTo(before);
  }

  @Test
  void readOnlyOpenOfADirectoryWithoutALogFailsAndCreatesNothing() {
    Path missing = dir.resolve("nowhere");
    assertThatThrownBy(() -> ChronicleWal.openReadOnly(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no WAL in " + missing);
    assertThat(missing).doesNotExist();
  }

  @Test
  void aRecordWhoseLengthWasDamagedIsReportedAsCorruptInsteadOfBeingRead() throws Exception {
    long bad;
    try (Wal wal = ChronicleWal.open(config(), WalMetrics.NOOP)) {
      wal.append(record("good")).get(10, TimeUnit.SECONDS);
      bad = wal.append(record("damaged")).get(10, TimeUnit.SECONDS);
    }
    WalFileDamage.damageLength(config().dir(), record("damaged"));
    try (Wal wal = ChronicleWal.openReadOnly(config().dir()); WalReader reader = wal.reader(Wal.NONE)) {
      assertThat(reader.next().record().getPings(0).getPingId()).isEqualTo("good");
      assertThatThrownBy(reader::nextRaw)
          .isInstanceOfSatisfying(WalCorruptException.class, e -> assertThat(e.position()).isEqualTo(bad))
          .hasMessageContaining("over the largest record");
    }
    // Chronicle's own scans (record counts, last position) would follow the length through the
    // memory map past the file's end: a fault the JVM raises later as an InternalError, anywhere.
    // Repeated so that the code runs compiled too, where that delivery is late.
    for (int i = 0; i < 200; i++) {
      try (Wal wal = ChronicleWal.openReadOnly(config().dir())) {
        assertThatThrownBy(wal::files).isInstanceOf(UncheckedIOException.class).hasMessageContaining("is damaged");
        assertThatThrownBy(wal::lastPosition).isInstanceOf(UncheckedIOException.class).hasMessageContaining("is damaged");
        assertThatThrownBy(wal::readerFromEnd).isInstanceOf(UncheckedIOException.class).hasMessageContaining("is damaged");
      }
    }
  }

  /** Name to size and modification time of every file in {@code dir}. */
  static Map<String, String> listing(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        files.put(p.getFileName().toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p));
      }
    }
    return files;
  }

  static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
