package io.pingstack.engine;

import static io.pingstack.engine.ArrowReplayFixture.DAY_1;
import static io.pingstack.engine.ArrowReplayFixture.DAY_2;
import static io.pingstack.engine.ArrowReplayFixture.dayFilesOnDisk;
import static io.pingstack.engine.ArrowReplayFixture.deleteTree;
import static io.pingstack.engine.ArrowReplayFixture.manifest;
import static io.pingstack.engine.ArrowReplayFixture.rowKeys;
import static io.pingstack.engine.ArrowReplayFixture.rows;
import static io.pingstack.engine.ArrowReplayFixture.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ArrowFileColdStore} as a {@link ReplayTarget}: a real Chronicle log, a live {@link WalConsumer}
 * committing every 50 ms, and the files read back with Arrow's own reader.
 */
class ArrowReplayTest {
  private static final Duration COMMIT = Duration.ofMillis(50);
  private static final ReplayOptions REBUILD = new ReplayOptions(false, true);
  private static final ReplayOptions DRY_RUN = new ReplayOptions(true, false);

  @TempDir Path dir;

  @Test
  void aDeletedDayIsRestoredWithExactlyTheRowsItHeldAndASecondReplayWritesNothing() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(3, 4);
      Manifest before = manifest(live.coldDir);
      List<PingRow> day1 = rows(live.coldDir, DAY_1);
      List<PingRow> all = rows(live.coldDir, "");
      long day1Files = before.files().stream().filter(f -> f.path().startsWith(DAY_1)).count();
      assertThat(day1Files).isGreaterThanOrEqualTo(3);
      deleteTree(live.coldDir.resolve(DAY_1));

      ReplayOutcome outcome = live.replayAll(ReplayOptions.DEFAULT);

      assertThat(outcome.target()).isEqualTo("cold");
      assertThat(outcome.count("files_restored")).isEqualTo(day1Files);
      assertThat(outcome.count("files_rebuilt")).isZero();
      assertThat(outcome.count("rows_written")).isEqualTo(day1.size());
      assertThat(outcome.count("days")).isEqualTo(1);
      assertThat(outcome.count("records_read")).isPositive();
      assertThat(outcome.summary()).startsWith("restored " + day1Files + " of ").contains("day 2026-11-20");
      assertThat(rows(live.coldDir, DAY_1)).as("every column of every row, in order").containsExactlyElementsOf(day1);
      assertThat(rowKeys(rows(live.coldDir, ""))).containsExactlyElementsOf(rowKeys(all));
      Manifest after = manifest(live.coldDir);
      assertThat(after.committedPosition()).isEqualTo(before.committedPosition());
      assertThat(after.files()).hasSameSizeAs(before.files());
      for (int i = 0; i < before.files().size(); i++) {
        Manifest.CommittedFile was = before.files().get(i);
        Manifest.CommittedFile is = after.files().get(i);
        assertThat(List.of(is.day(), is.firstPosition(), is.lastPosition(), is.rows()))
            .isEqualTo(List.of(was.day(), was.firstPosition(), was.lastPosition(), was.rows()));
        assertThat(is.path()).isEqualTo(was.path().startsWith(DAY_1) ? was.path().replace(".arrow", ".r1.arrow") : was.path());
      }
      assertThat(dayFilesOnDisk(live.coldDir)).as("only listed files, no temp file")
          .containsExactlyInAnyOrderElementsOf(after.files().stream().map(Manifest.CommittedFile::path).toList());

      Map<String, byte[]> restored = snapshot(live.coldDir);
      ReplayOutcome again = live.replayAll(ReplayOptions.DEFAULT);
      assertThat(again.count("files_restored") + again.count("rows_written") + again.count("records_read")).isZero();
      assertThat(snapshot(live.coldDir)).containsExactlyEntriesOf(restored);
    }
  }

  @Test
  void filesLackingOnBothSidesOfOneThatIsThereAreRestoredInOneReadAndItIsLeftAlone() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(3, 4);
      List<PingRow> day1 = rows(live.coldDir, DAY_1);
      List<Manifest.CommittedFile> files = manifest(live.coldDir).files().stream().filter(f -> f.path().startsWith(DAY_1)).toList();
      Manifest.CommittedFile first = files.get(0);
      Manifest.CommittedFile kept = files.get(1);
      Manifest.CommittedFile last = files.get(files.size() - 1);
      byte[] keptBytes = Files.readAllBytes(live.coldDir.resolve(kept.path()));
      Files.delete(live.coldDir.resolve(first.path()));
      Files.delete(live.coldDir.resolve(last.path()));

      ReplayOutcome outcome = live.replayAll(ReplayOptions.DEFAULT);

      assertThat(outcome.count("files_restored")).isEqualTo(2);
      assertThat(outcome.count("records_read")).as("one read from the first file's start to the last one's end")
          .isEqualTo(live.positions.stream().filter(p -> p >= first.firstPosition() && p <= last.lastPosition()).count());
      assertThat(rows(live.coldDir, DAY_1)).containsExactlyElementsOf(day1);
      assertThat(manifest(live.coldDir).files()).contains(kept);
      assertThat(live.coldDir.resolve(kept.path())).hasBinaryContent(keptBytes);
    }
  }

  @Test
  void aRangeWithNothingLackingWritesNothingAndLeavesEveryFileByteIdentical() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(2, 3);
      Map<String, byte[]> before = snapshot(live.coldDir);

      ReplayOutcome outcome = live.replayAll(ReplayOptions.DEFAULT);

      assertThat(outcome.count("files_in_range")).isEqualTo(manifest(live.coldDir).files().size()).isPositive();
      assertThat(outcome.count("files_restored") + outcome.count("rows_written") + outcome.count("records_read")).isZero();
      assertThat(outcome.summary()).startsWith("nothing lacking");
      assertThat(snapshot(live.coldDir)).containsExactlyEntriesOf(before);
    }
  }

  @Test
  void rebuildRewritesTheFilesOfTheRangeWithTheSameRowsAndLeavesTheOthers() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(3, 4);
      Manifest before = manifest(live.coldDir);
      List<PingRow> all = rows(live.coldDir, "");
      Map<String, byte[]> bytesBefore = snapshot(live.coldDir);
      long from = live.positions.get(4);
      long to = live.positions.get(7);
      List<String> inRange = before.files().stream()
          .filter(f -> f.lastPosition() >= from && f.firstPosition() <= to).map(Manifest.CommittedFile::path).toList();
      assertThat(inRange).hasSizeGreaterThanOrEqualTo(2).hasSizeLessThan(before.files().size());

      ReplayOutcome outcome;
      try (WalReplayLog log = live.log()) {
        outcome = live.store.replay(log, from, to, REBUILD);
      }

      assertThat(outcome.count("files_rebuilt")).isEqualTo(inRange.size());
      assertThat(outcome.count("files_restored")).isZero();
      assertThat(outcome.count("days")).isEqualTo(2);
      assertThat(rows(live.coldDir, "")).as("every column of every row, in order").containsExactlyElementsOf(all);
      List<String> paths = manifest(live.coldDir).files().stream().map(Manifest.CommittedFile::path).toList();
      assertThat(paths).containsAll(inRange.stream().map(p -> p.replace(".arrow", ".r1.arrow")).toList()).doesNotContainAnyElementsOf(inRange);
      assertThat(dayFilesOnDisk(live.coldDir)).as("the replaced files are deleted").containsExactlyInAnyOrderElementsOf(paths);
      Map<String, byte[]> bytesAfter = snapshot(live.coldDir);
      before.files().stream().map(Manifest.CommittedFile::path).filter(p -> !inRange.contains(p))
          .forEach(p -> assertThat(bytesAfter.get(p)).as(p).isEqualTo(bytesBefore.get(p)));

      try (WalReplayLog log = live.log()) {
        live.store.replay(log, from, to, REBUILD);
      }
      assertThat(manifest(live.coldDir).files()).extracting(Manifest.CommittedFile::path)
          .containsAll(inRange.stream().map(p -> p.replace(".arrow", ".r2.arrow")).toList());
      assertThat(rows(live.coldDir, "")).containsExactlyElementsOf(all);
    }
  }

  @Test
  void aDryRunChangesNothingAndReportsTheLackingFile() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(3, 2);
      Manifest.CommittedFile lacking = manifest(live.coldDir).files().stream().filter(f -> f.path().startsWith(DAY_2)).skip(1).findFirst().orElseThrow();
      Files.delete(live.coldDir.resolve(lacking.path()));
      Map<String, byte[]> before = snapshot(live.coldDir);

      ReplayOutcome outcome = live.replayAll(DRY_RUN);

      assertThat(outcome.count("files_restored")).isEqualTo(1);
      assertThat(outcome.count("rows_written")).isEqualTo(lacking.rows());
      assertThat(outcome.count("records_read")).as("records it would read").isEqualTo(
          live.positions.stream().filter(p -> p >= lacking.firstPosition() && p <= lacking.lastPosition()).count());
      assertThat(outcome.count("days")).isEqualTo(1);
      assertThat(outcome.summary()).startsWith("dry run, nothing changed: would restore 1 of ")
          .contains(lacking.path(), "WAL " + lacking.firstPosition() + "–" + lacking.lastPosition(), lacking.rows() + " rows");
      assertThat(snapshot(live.coldDir)).containsExactlyEntriesOf(before);
    }
  }

  /**
   * A file whose range starts before the log's first position: the manifest gets an entry older than
   * the log (as after retention deleted the hour it came from) that reaches into the log, and its file is gone.
   */
  @Test
  void aLackingFileWhoseStartTheLogNoLongerHoldsIsAClearErrorAndChangesNothing() throws Exception {
    Path coldDir;
    long logFirst;
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(1, 3);
      coldDir = live.coldDir;
      logFirst = live.wal.firstPosition();
    }
    Manifest manifest = manifest(coldDir);
    List<Manifest.CommittedFile> files = new ArrayList<>();
    files.add(new Manifest.CommittedFile("day=2026-11-19/5-" + logFirst + ".arrow", "2026-11-19", 5, logFirst, 12));
    files.addAll(manifest.files());
    new Manifest(Manifest.VERSION, manifest.committedPosition(), files).write(coldDir);
    Map<String, byte[]> before = snapshot(coldDir);

    try (var wal = Records.openWal(dir.resolve("wal"));
        ArrowFileColdStore store = (ArrowFileColdStore) ArrowFileColdStore.open(coldDir, ArrowColdStoreConfig.defaults());
        WalReplayLog log = new WalReplayLog(wal, "replay-test", ConsumerConfig.defaults(), 0, new ReplayProgress(), () -> false)) {
      assertThatThrownBy(() -> store.replay(log, wal.firstPosition(), wal.lastPosition(), ReplayOptions.DEFAULT))
          .isInstanceOf(ReplayException.class)
          .hasMessageContaining("cannot restore day=2026-11-19/5-" + logFirst + ".arrow (day 2026-11-19, WAL 5–" + logFirst)
          .hasMessageContaining("the WAL starts at position " + logFirst)
          .hasMessageContaining("nothing was changed");
      assertThatThrownBy(() -> store.replay(log, wal.firstPosition(), wal.lastPosition(), DRY_RUN))
          .isInstanceOf(ReplayException.class).hasMessageContaining("the WAL starts at position " + logFirst);
    }
    assertThat(snapshot(coldDir)).containsExactlyEntriesOf(before);
  }

  @Test
  void replaysDuringLiveIngestLeaveEveryPingExactlyOnce() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, Duration.ofMillis(10))) {
      live.ingestRounds(3, 10);
      deleteTree(live.coldDir.resolve(DAY_1));
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> appendFailure = new AtomicReference<>();
      Thread appender = new Thread(() -> {
        try {
          for (int i = 0; !stop.get(); i++) {
            live.append(ArrowReplayFixture.mixed("live" + i, 1 + i % 4));
            Thread.sleep(1);
          }
        } catch (Throwable e) {
          appendFailure.set(e);
        }
      });
      appender.start();
      long committedBefore = live.store.durablePosition();
      ReplayOutcome restored;
      ReplayOutcome rebuilt;
      // ~80 pings a second: the replays take over a second each while the consumer commits every 10 ms.
      try (WalReplayLog log = live.log(ConsumerConfig.defaults().withMaxRows(4), 80, () -> false)) {
        restored = live.store.replay(log, live.wal.firstPosition(), live.wal.lastPosition(), ReplayOptions.DEFAULT);
      }
      long committedBetween = live.store.durablePosition();
      try (WalReplayLog log = live.log(ConsumerConfig.defaults().withMaxRows(4), 80, () -> false)) {
        rebuilt = live.store.replay(log, live.wal.firstPosition(), committedBefore, REBUILD);
      }
      long committedAfter = live.store.durablePosition();
      stop.set(true);
      appender.join();
      assertThat(appendFailure.get()).isNull();
      live.awaitCommitted();

      assertThat(committedBetween).as("live commits went on during the restore").isGreaterThan(committedBefore);
      assertThat(committedAfter).as("live commits went on during the rebuild").isGreaterThan(committedBetween);
      assertThat(restored.count("files_restored")).isGreaterThanOrEqualTo(3);
      assertThat(rebuilt.count("files_rebuilt")).isGreaterThanOrEqualTo(6);
      List<String> stored = rowKeys(rows(live.coldDir, ""));
      assertThat(stored).as("every appended ping exactly once").containsExactlyInAnyOrderElementsOf(live.expectedRowKeys());
      assertThat(dayFilesOnDisk(live.coldDir))
          .containsExactlyInAnyOrderElementsOf(manifest(live.coldDir).files().stream().map(Manifest.CommittedFile::path).toList());
    }
  }

  @Test
  void aCancelledReplayCommitsNothingAndRunningItAgainCompletesIt() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(3, 4);
      List<PingRow> day1 = rows(live.coldDir, DAY_1);
      deleteTree(live.coldDir.resolve(DAY_1));
      Map<String, byte[]> before = snapshot(live.coldDir);
      AtomicBoolean cancelled = new AtomicBoolean();
      List<String> onDiskWhenCancelled = new ArrayList<>();

      try (WalReplayLog log = live.log(ConsumerConfig.defaults().withMaxRows(4), 0, cancelled::get)) {
        ReplayLog cancelledHalfWay = HookedReplayLog.after(log, () -> {
          if (!cancelled.get() && oneFinishedAndOneBegun(live.coldDir)) {
            onDiskWhenCancelled.addAll(dayFilesOnDisk(live.coldDir));
            cancelled.set(true);
          }
        });
        assertThatThrownBy(() -> live.store.replay(cancelledHalfWay, live.wal.firstPosition(), live.wal.lastPosition(), ReplayOptions.DEFAULT))
            .isInstanceOf(ReplayCancelledException.class);
      }

      assertThat(onDiskWhenCancelled).as("a first file was finished and a second one begun")
          .anyMatch(p -> p.startsWith(DAY_1) && p.endsWith(".r1.arrow"))
          .anyMatch(p -> p.startsWith(DAY_1) && p.endsWith(".r1.arrow.part"));
      assertThat(snapshot(live.coldDir)).containsExactlyEntriesOf(before);
      assertThat(live.coldDir.resolve(DAY_1)).doesNotExist();

      ReplayOutcome outcome = live.replayAll(ReplayOptions.DEFAULT);
      assertThat(outcome.count("rows_written")).isEqualTo(day1.size());
      assertThat(rows(live.coldDir, DAY_1)).containsExactlyElementsOf(day1);
    }
  }

  @Test
  void theLivePathsCleanupLeavesARunningReplaysFilesAlone() throws Exception {
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(2, 4);
      List<PingRow> day1 = rows(live.coldDir, DAY_1);
      deleteTree(live.coldDir.resolve(DAY_1));

      try (WalReplayLog log = live.log(ConsumerConfig.defaults().withMaxRows(4), 0, () -> false)) {
        // What the consumer does after a failed accept, while the replay has a file half written.
        ReplayLog withCleanup = HookedReplayLog.after(log, live.store::resumePosition);
        live.store.replay(withCleanup, live.wal.firstPosition(), live.wal.lastPosition(), ReplayOptions.DEFAULT);
      }

      assertThat(rows(live.coldDir, DAY_1)).containsExactlyElementsOf(day1);
    }
  }

  /** The disk as a kill -9 in the middle of a replay leaves it, copied aside: opened, it is as before; replayed, as after. */
  @Test
  void aReplayKilledHalfWayLeavesTheStoreAsBeforeAndRunningItAgainCompletesIt() throws Exception {
    Path killed = dir.resolve("killed");
    List<PingRow> day1;
    List<PingRow> all;
    Map<String, byte[]> afterDeletion;
    try (ArrowReplayFixture live = ArrowReplayFixture.start(dir, COMMIT)) {
      live.ingestRounds(3, 4);
      day1 = rows(live.coldDir, DAY_1);
      all = rows(live.coldDir, "");
      deleteTree(live.coldDir.resolve(DAY_1));
      afterDeletion = snapshot(live.coldDir);
      try (WalReplayLog log = live.log(ConsumerConfig.defaults().withMaxRows(4), 0, () -> false)) {
        ReplayLog copiedHalfWay = HookedReplayLog.after(log, () -> {
          if (!Files.exists(killed) && oneFinishedAndOneBegun(live.coldDir)) {
            try {
              ArrowReplayFixture.copyTree(live.coldDir, killed);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        });
        live.store.replay(copiedHalfWay, live.wal.firstPosition(), live.wal.lastPosition(), ReplayOptions.DEFAULT);
      }
    }
    assertThat(oneFinishedAndOneBegun(killed)).as("the replay's files were there when it was killed").isTrue();

    try (var wal = Records.openWal(dir.resolve("wal"));
        ArrowFileColdStore store = (ArrowFileColdStore) ArrowFileColdStore.open(killed, ArrowColdStoreConfig.defaults())) {
      assertThat(snapshot(killed)).as("as before the replay").containsExactlyEntriesOf(afterDeletion);
      try (WalReplayLog log = new WalReplayLog(wal, "replay-test", ConsumerConfig.defaults(), 0, new ReplayProgress(), () -> false)) {
        store.replay(log, wal.firstPosition(), wal.lastPosition(), ReplayOptions.DEFAULT);
      }
    }
    assertThat(rows(killed, DAY_1)).containsExactlyElementsOf(day1);
    assertThat(rowKeys(rows(killed, ""))).containsExactlyElementsOf(rowKeys(all));
  }

  /** True when a replay's file of day 1 is finished (not listed yet) and the next one is being written. */
  private static boolean oneFinishedAndOneBegun(Path coldDir) {
    List<String> files = dayFilesOnDisk(coldDir);
    return files.stream().anyMatch(p -> p.startsWith(DAY_1) && p.endsWith(".r1.arrow"))
        && files.stream().anyMatch(p -> p.startsWith(DAY_1) && p.endsWith(".r1.arrow.part"));
  }
}
