package io.pingstack.engine;

import static io.pingstack.engine.Records.append;
import static io.pingstack.engine.Records.pings;
import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.Wal;
import io.pingstack.model.WalPositionDeletedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalReplayLogTest {
  @TempDir Path dir;

  private static List<Long> appendAll(Wal wal, String prefix, int records, int pingsEach) throws Exception {
    List<Long> positions = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      positions.add(append(wal, record(pings(prefix + i, pingsEach))));
    }
    return positions;
  }

  @Test
  void readsExactlyTheRecordsOfTheRangeInOrderInWholeRecords() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      List<Long> positions = appendAll(wal, "r", 40, 5);
      ReplayProgress progress = new ReplayProgress();
      try (WalReplayLog log = new WalReplayLog(wal, "replay-test", ConsumerConfig.defaults().withMaxRows(12), 0, progress, () -> false)) {
        List<Long> seen = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        long read = log.read(positions.get(10), positions.get(29), batch -> {
          assertThat(batch.rowCount()).isLessThanOrEqualTo(15);
          for (int row = 0; row < batch.rowCount(); row++) {
            if (seen.isEmpty() || seen.get(seen.size() - 1) != batch.walPosition(row)) {
              seen.add(batch.walPosition(row));
            }
            ids.add(batch.pingId(row));
          }
        });
        assertThat(read).isEqualTo(20);
        assertThat(seen).containsExactlyElementsOf(positions.subList(10, 30));
        assertThat(ids).hasSize(100).startsWith("r10-0", "r10-1").endsWith("r29-4");
        assertThat(progress.records()).isEqualTo(20);
        assertThat(progress.pings()).isEqualTo(100);
        assertThat(progress.plannedRecords()).isEqualTo(20);
        assertThat(log.recordsIn(positions.get(0), positions.get(39))).isEqualTo(40);
        assertThat(log.recordsIn(positions.get(39) + 1, Long.MAX_VALUE)).isZero();
      }
    }
  }

  @Test
  void aPositionBeforeTheLogIsRefusedWithTheOldestOne() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      List<Long> positions = appendAll(wal, "r", 3, 1);
      try (WalReplayLog log = new WalReplayLog(wal, "replay-test", ConsumerConfig.defaults(), 0, new ReplayProgress(), () -> false)) {
        assertThatThrownBy(() -> log.read(positions.get(0) - 1, positions.get(2), batch -> {}))
            .isInstanceOf(WalPositionDeletedException.class)
            .hasMessageContaining(String.valueOf(positions.get(0)));
      }
    }
  }

  @Test
  void aHoldPinsTheLogUntilTheLogIsClosed() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      List<Long> positions = appendAll(wal, "r", 3, 1);
      WalReplayLog log = new WalReplayLog(wal, "replay-7", ConsumerConfig.defaults(), 0, new ReplayProgress(), () -> false);
      log.hold(positions.get(1));
      assertThat(wal.retentionPins()).anySatisfy(pin -> assertThat(pin.name()).isEqualTo("replay-7-1"));
      log.close();
      assertThat(wal.retentionPins()).noneSatisfy(pin -> assertThat(pin.name()).startsWith("replay-7"));
    }
  }

  @Test
  void cancellingStopsTheReadAtTheNextBatch() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      List<Long> positions = appendAll(wal, "r", 10, 2);
      AtomicBoolean cancelled = new AtomicBoolean();
      List<Long> handed = new ArrayList<>();
      try (WalReplayLog log = new WalReplayLog(wal, "replay-test", ConsumerConfig.defaults().withMaxRows(2), 0, new ReplayProgress(), cancelled::get)) {
        assertThatThrownBy(() -> log.read(positions.get(0), positions.get(9), batch -> {
              handed.add(batch.firstPosition());
              cancelled.set(handed.size() == 3);
            }))
            .isInstanceOf(ReplayCancelledException.class);
      }
      assertThat(handed).containsExactlyElementsOf(positions.subList(0, 3));
    }
  }

  /** A lower bound on the time taken: the cap can only make a read slower, so this cannot flake. */
  @Test
  void theSpeedCapHoldsTheReadToItsRate() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      List<Long> positions = appendAll(wal, "r", 60, 10);
      ReplayProgress progress = new ReplayProgress();
      try (WalReplayLog log = new WalReplayLog(wal, "replay-test", ConsumerConfig.defaults(), 1_000, progress, () -> false)) {
        long start = System.nanoTime();
        log.read(positions.get(0), positions.get(59), batch -> assertThat(batch.rowCount()).isLessThanOrEqualTo(60));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(550_000_000L);
        assertThat(progress.pings()).isEqualTo(600);
      }
    }
  }
}
