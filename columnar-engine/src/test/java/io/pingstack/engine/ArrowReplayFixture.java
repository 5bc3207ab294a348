package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real log feeding an {@link ArrowFileColdStore} through a {@link WalConsumer}, with the pings of
 * each record alternating between two UTC days, and ways to look at the store's files.
 */
final class ArrowReplayFixture implements AutoCloseable {
  static final String DAY_1 = "day=2026-11-20";
  static final String DAY_2 = "day=2026-11-21";
  private static final Instant ON_DAY_1 = Instant.parse("2026-11-20T22:00:00Z");

  final Wal wal;
  final Path coldDir;
  final ArrowFileColdStore store;
  final WalConsumer consumer;
  final List<WalRecord> appended = new ArrayList<>();
  final List<Long> positions = new ArrayList<>();

  private ArrowReplayFixture(Path dir, ArrowColdStoreConfig config) {
    wal = Records.openWal(dir.resolve("wal"));
    coldDir = dir.resolve("cold");
    store = (ArrowFileColdStore) ArrowFileColdStore.open(coldDir, config);
    consumer = WalConsumer.start("cold", wal, store, ConsumerConfig.defaults(), ConsumerMetrics.NOOP);
  }

  static ArrowReplayFixture start(Path dir, Duration commitInterval) {
    return new ArrowReplayFixture(dir, ArrowColdStoreConfig.defaults().withCommitInterval(commitInterval));
  }

  /** A record of {@code count} pings {@code <prefix>-<i>}, the even ones on day 1, the odd ones on day 2. */
  static WalRecord mixed(String prefix, int count) {
    Ping[] pings = new Ping[count];
    for (int i = 0; i < count; i++) {
      Instant day = i % 2 == 0 ? ON_DAY_1 : TestPings.T0;
      pings[i] = TestPings.ping("inst-" + (i % 3), prefix + "-" + i).at(day.plusMillis(i))
          .metric("duration_ms", i * 1.5).dimension("lang", i % 2 == 0 ? "go" : "java").build();
    }
    return Records.record(pings);
  }

  synchronized long append(WalRecord record) throws Exception {
    long position = Records.append(wal, record);
    appended.add(record);
    positions.add(position);
    return position;
  }

  /** Appends {@code rounds} times {@code records} records of 4 pings and waits for each round to be committed. */
  void ingestRounds(int rounds, int records) throws Exception {
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < records; i++) {
        append(mixed("r" + round + "x" + i, 4));
      }
      awaitCommitted();
    }
  }

  void awaitCommitted() {
    long last = wal.lastPosition();
    Records.await("the cold store commits WAL " + last, () -> store.durablePosition() == last);
  }

  /** A replay log over the fixture's WAL: batches of {@code batches}, capped, cancelled when {@code cancelled} says so. */
  WalReplayLog log(ConsumerConfig batches, long maxPingsPerSecond, BooleanSupplier cancelled) {
    return new WalReplayLog(wal, "replay-test", batches, maxPingsPerSecond, new ReplayProgress(), cancelled);
  }

  WalReplayLog log() {
    return log(ConsumerConfig.defaults(), 0, () -> false);
  }

  /** Replays the whole log into the store. */
  ReplayOutcome replayAll(ReplayOptions options) {
    try (WalReplayLog log = log()) {
      return store.replay(log, wal.firstPosition(), wal.lastPosition(), options);
    }
  }

  /** Every (ping id, WAL position) the appended records hold. */
  synchronized List<String> expectedRowKeys() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < appended.size(); i++) {
      for (Ping ping : appended.get(i).getPingsList()) {
        keys.add(ping.getPingId() + "@" + positions.get(i));
      }
    }
    return keys;
  }

  @Override
  public void close() {
    try {
      consumer.close();
    } finally {
      wal.close();
    }
  }

  // What is on disk.

  static Manifest manifest(Path coldDir) {
    try {
      return Manifest.read(coldDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rows of the listed files whose path starts with {@code prefix}, in manifest order, read with Arrow's reader. */
  static List<PingRow> rows(Path coldDir, String prefix) {
    List<PingRow> rows = new ArrayList<>();
    for (Manifest.CommittedFile file : manifest(coldDir).files()) {
      if (file.path().startsWith(prefix)) {
        try {
          List<PingRow> fileRows = PingRow.readFile(coldDir.resolve(file.path()));
          assertThat(fileRows).as(file.path()).hasSize((int) file.rows());
          assertThat(fileRows).as(file.path()).allSatisfy(row -> {
            assertThat(row.walPosition()).isBetween(file.firstPosition(), file.lastPosition());
            assertThat(file.path()).startsWith("day=" + LocalDate.ofInstant(Instant.EPOCH.plus(row.timestamp(), ChronoUnit.MICROS), ZoneOffset.UTC) + "/");
          });
          rows.addAll(fileRows);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return rows;
  }

  static List<String> rowKeys(List<PingRow> rows) {
    return rows.stream().map(row -> row.pingId() + "@" + row.walPosition()).toList();
  }

  /** Every file under the store (manifest included) with its bytes, by relative path. */
  static Map<String, byte[]> snapshot(Path coldDir) {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(coldDir)) {
      for (Path file : walk.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
        files.put(coldDir.relativize(file).toString(), Files.readAllBytes(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** Relative paths of every file under the day directories. */
  static List<String> dayFilesOnDisk(Path coldDir) {
    return snapshot(coldDir).keySet().stream().filter(path -> path.startsWith("day=")).toList();
  }

  static void deleteTree(Path path) throws IOException {
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.sorted().toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
