package io.pingstack.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.RetentionPin;
import io.pingstack.model.Wal;
import io.pingstack.model.WalFile;
import io.pingstack.model.WalPositionDeletedException;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import io.pingstack.wal.WalMetrics.RetentionBlock;
import io.pingstack.wal.WalMetrics.RetentionCause;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention by age and by size, consumers and pins holding the log, and the file listing it works from. */
class RetentionTest {
  @TempDir Path dir;

  private final SetTimeProvider clock = new SetTimeProvider(Duration.ofDays(20_000).toNanos());
  private final Recorded metrics = new Recorded();
  /** Positions appended, per hourly file. */
  private final List<List<Long>> hours = new ArrayList<>();

  /** Records what retention reports. */
  static final class Recorded implements WalMetrics {
    final List<String> deleted = Collections.synchronizedList(new ArrayList<>());
    volatile List<RetentionBlock> lastPass = List.of();

    @Override
    public void fileDeleted(RetentionCause cause, long bytes) {
      deleted.add(cause.code() + ":" + bytes);
    }

    @Override
    public void retentionPassed(List<RetentionBlock> blocked) {
      lastPass = List.copyOf(blocked);
    }
  }

  @BeforeEach
  void clear() {
    hours.clear();
  }

  static byte[] record(String pingId, int payloadBytes) {
    return WalRecord.newBuilder()
        .setReceivedAtMicros(1)
        .setIngestNode("node-1")
        .addPings(Ping.newBuilder().setPingId(pingId).setInstanceId("inst-1").setEvent("search.executed")
            .setPayload("{\"pad\":\"" + "x".repeat(payloadBytes) + "\"}"))
        .build()
        .toByteArray();
  }

  ChronicleWal open(Duration minAge, long maxBytes) {
    WalConfig config = WalConfig.defaults(dir.resolve("wal")).withDiskReserveBytes(0)
        .withCompression(WalConfig.Compression.NONE) // sizes as written: the records pad with one repeated letter
        .withRetention(minAge, Duration.ofDays(1)).withRetentionMaxBytes(maxBytes);
    return ChronicleWal.open(config, metrics, FileSync.FORCE, clock);
  }

  /** Appends {@code counts[i]} records of ~{@code size} bytes in hour i, one hourly file each; the clock ends in the hour after. */
  void fill(Wal wal, int size, int... counts) throws Exception {
    for (int hour = 0; hour < counts.length; hour++) {
      List<Long> positions = new ArrayList<>();
      for (int i = 0; i < counts[hour]; i++) {
        positions.add(wal.append(record("h" + hour + "-" + i, size)).get(10, TimeUnit.SECONDS));
      }
      hours.add(positions);
      clock.advanceMillis(Duration.ofHours(1).toMillis());
    }
  }

  long first(int hour) {
    return hours.get(hour).get(0);
  }

  long last(int hour) {
    List<Long> positions = hours.get(hour);
    return positions.get(positions.size() - 1);
  }

  static long bytes(List<WalFile> files, int from, int to) {
    long sum = 0;
    for (int i = from; i < to; i++) {
      sum += files.get(i).bytes();
    }
    return sum;
  }

  @Test
  void filesListEachHourlyFileWithItsRecordsPositionsAndTheBytesItHolds() throws Exception {
    try (ChronicleWal wal = open(Duration.ofDays(7), 0)) {
      assertThat(wal.files()).isEmpty();
      fill(wal, 1000, 2, 3, 1);
      List<WalFile> files = wal.files();
      assertThat(files).extracting(WalFile::records).containsExactly(2L, 3L, 1L);
      for (int hour = 0; hour < 3; hour++) {
        assertThat(files.get(hour).firstPosition()).isEqualTo(first(hour));
        assertThat(files.get(hour).lastPosition()).isEqualTo(last(hour));
        assertThat(files.get(hour).name()).isEqualTo(wal.fileOfCycle(RollCycles.FAST_HOURLY.toCycle(first(hour))).getName());
      }
      assertThat(files.get(1).bytes()).as("three 1 KB records more than one").isGreaterThan(files.get(2).bytes() + 2000);
      assertThat(files.get(1).bytes()).as("holds, not the sparse file's apparent length").isLessThan(1 << 20);
      assertThat(wal.sizeBytes()).isEqualTo(bytes(files, 0, 3));
    }
  }

  @Test
  void sizeLimitDeletesTheOldestPassedFilesUntilTheLogFitsWhateverTheirAge() throws Exception {
    try (ChronicleWal wal = open(Duration.ofDays(30), 0)) {
      fill(wal, 4000, 2, 2, 2, 2);
    }
    List<WalFile> files;
    try (ChronicleWal wal = open(Duration.ofDays(30), 0)) {
      files = wal.files();
    }
    long limit = bytes(files, 2, 4);
    try (ChronicleWal wal = open(Duration.ofDays(30), limit)) {
      wal.registerConsumer("cold", () -> last(3));
      assertThat(wal.runRetention()).isEqualTo(2);
      assertThat(metrics.deleted).containsExactly("size:" + files.get(0).bytes(), "size:" + files.get(1).bytes());
      assertThat(wal.files()).containsExactlyElementsOf(files.subList(2, 4));
      assertThat(wal.sizeBytes()).isEqualTo(limit);
      assertThat(wal.runRetention()).as("at the limit is not over it").isZero();
      assertThat(metrics.lastPass).isEmpty();
    }
  }

  @Test
  void withoutASizeLimitOnlyFilesOlderThanTheMinAgeGo() throws Exception {
    try (ChronicleWal wal = open(Duration.ofHours(3), 0)) {
      wal.registerConsumer("cold", () -> Long.MAX_VALUE);
      fill(wal, 4000, 1, 1, 1, 1);
      List<WalFile> files = wal.files();
      // The clock is at the end of hour 3: hour 0 ended 3 h ago, hour 1 2 h ago.
      assertThat(wal.runRetention()).isEqualTo(1);
      assertThat(metrics.deleted).containsExactly("age:" + files.get(0).bytes());
      assertThat(wal.files()).containsExactlyElementsOf(files.subList(1, 4));
    }
  }

  @Test
  void sizeLimitNeverDeletesPastAConsumerAndReportsWhichOneHoldsTheLog() throws Exception {
    long[] cold = {Wal.NONE};
    try (ChronicleWal wal = open(Duration.ofDays(30), 1)) {
      wal.registerConsumer("cold", () -> cold[0]);
      wal.registerConsumer("rollups", () -> last(3));
      fill(wal, 4000, 2, 2, 2, 2);
      List<WalFile> files = wal.files();

      assertThat(wal.runRetention()).as("cold has made nothing durable").isZero();
      assertThat(metrics.lastPass).containsExactly(new RetentionBlock("cold", RetentionCause.SIZE, bytes(files, 0, 3)));

      cold[0] = last(0);
      assertThat(wal.runRetention()).as("cold's position is the last of hour 0: that file is still kept").isZero();

      cold[0] = first(1);
      assertThat(wal.runRetention()).isEqualTo(1);
      assertThat(wal.firstPosition()).isEqualTo(first(1));
      assertThat(metrics.lastPass).containsExactly(new RetentionBlock("cold", RetentionCause.SIZE, bytes(files, 1, 3)));

      cold[0] = last(3);
      assertThat(wal.runRetention()).isEqualTo(2);
      assertThat(wal.files()).containsExactly(files.get(3));
      assertThat(metrics.lastPass).as("only the newest file is left, and it is never deleted").isEmpty();
      assertThat(metrics.deleted).containsExactly(
          "size:" + files.get(0).bytes(), "size:" + files.get(1).bytes(), "size:" + files.get(2).bytes());
    }
  }

  @Test
  void aConsumerThatStoppedHoldsFilesPastTheMinAgeAndIsReportedForAge() throws Exception {
    try (ChronicleWal wal = open(Duration.ZERO, 0)) {
      fill(wal, 100, 1, 1, 1);
      wal.registerConsumer("rollups", () -> first(1));
      assertThat(wal.runRetention()).isEqualTo(1);
      assertThat(metrics.lastPass).containsExactly(new RetentionBlock("rollups", RetentionCause.AGE, wal.files().get(0).bytes()));
    }
  }

  @Test
  void aPinKeepsItsRangeUntilReleasedAndAdvancingLetsRetentionHaveWhatItPassed() throws Exception {
    try (ChronicleWal wal = open(Duration.ZERO, 0)) {
      wal.registerConsumer("cold", () -> last(3));
      fill(wal, 100, 2, 2, 2, 2);
      Wal.Pin pin = wal.pin("replay-1", last(1));
      assertThat(wal.retentionPins()).containsExactly(
          new RetentionPin("cold", RetentionPin.Kind.CONSUMER, last(3)),
          new RetentionPin("replay-1", RetentionPin.Kind.PIN, last(1)));

      assertThat(wal.runRetention()).isEqualTo(1);
      assertThat(wal.firstPosition()).isEqualTo(first(1));
      assertThat(metrics.lastPass).extracting(RetentionBlock::pin).containsExactly("replay-1");

      pin.advance(first(2));
      pin.advance(first(1));
      assertThat(pin.fromPosition()).as("never moves back").isEqualTo(first(2));
      assertThat(wal.runRetention()).isEqualTo(1);
      assertThat(wal.firstPosition()).isEqualTo(first(2));

      pin.close();
      pin.close();
      assertThat(wal.retentionPins()).extracting(RetentionPin::name).containsExactly("cold");
      assertThat(wal.runRetention()).as("the newest file stays").isEqualTo(1);
      assertThat(wal.firstPosition()).isEqualTo(first(3));
    }
  }

  @Test
  void aPinOfTheWholeLogHoldsEveryFileWhileNoConsumerIsRegisteredYet() throws Exception {
    // The server's start: the log is pinned whole until its consumers have registered.
    try (ChronicleWal wal = open(Duration.ZERO, 0)) {
      fill(wal, 100, 1, 1, 1);
      Wal.Pin starting = wal.pin("starting", Wal.NONE);
      assertThat(wal.runRetention()).isZero();
      assertThat(wal.firstPosition()).isEqualTo(first(0));

      wal.registerConsumer("cold", () -> last(1));
      starting.close();
      assertThat(wal.runRetention()).as("then the consumer's position rules").isEqualTo(1);
      assertThat(wal.firstPosition()).isEqualTo(first(1));
    }
  }

  @Test
  void aPinFromBeforeTheOldestRecordIsRefusedAndNamesAreTakenOnce() throws Exception {
    try (ChronicleWal wal = open(Duration.ZERO, 0)) {
      wal.registerConsumer("cold", () -> last(2));
      fill(wal, 100, 1, 1, 1);
      assertThat(wal.runRetention()).isEqualTo(2);
      assertThatThrownBy(() -> wal.pin("replay-1", first(0)))
          .isInstanceOfSatisfying(WalPositionDeletedException.class, e -> {
            assertThat(e.position()).isEqualTo(first(0));
            assertThat(e.firstPosition()).isEqualTo(first(2));
          })
          .hasMessageContaining("no longer holds position " + first(0));
      assertThat(wal.retentionPins()).extracting(RetentionPin::name).containsExactly("cold");
      try (Wal.Pin all = wal.pin("replay-1", Wal.NONE)) {
        assertThat(all.fromPosition()).isEqualTo(Wal.NONE);
        assertThatThrownBy(() -> wal.pin("replay-1", first(2))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> wal.pin("cold", first(2))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> wal.registerConsumer("replay-1", () -> 0)).isInstanceOf(IllegalStateException.class);
      }
      wal.pin("replay-1", first(2)).close();
    }
  }
}
