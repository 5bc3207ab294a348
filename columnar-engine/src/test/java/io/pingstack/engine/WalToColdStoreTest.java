package io.pingstack.engine;

import static io.pingstack.engine.Records.append;
import static io.pingstack.engine.Records.await;
import static io.pingstack.engine.Records.pings;
import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.Wal;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalToColdStoreTest {
  @TempDir Path dir;

  @Test
  void theConsumerStoresEveryAppendedPingOnceAcrossARestartOfBoth() throws Exception {
    Path walDir = dir.resolve("wal");
    Path coldDir = dir.resolve("cold");
    ArrowColdStoreConfig config = ArrowColdStoreConfig.defaults().withCommitInterval(Duration.ofMillis(200));
    List<WalRecord> appended = new ArrayList<>();
    List<Long> positions = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (Wal wal = Records.openWal(walDir)) {
        ColdStore store = ArrowFileColdStore.open(coldDir, config);
        try (WalConsumer consumer = WalConsumer.start("cold", wal, store, ConsumerConfig.defaults(), ConsumerMetrics.NOOP)) {
          for (int i = 0; i < 30; i++) {
            WalRecord record = record(pings("run" + run + "-" + i, 1 + i % 4));
            positions.add(append(wal, record));
            appended.add(record);
          }
          long last = wal.lastPosition();
          await("a commit of everything", () -> store.durablePosition() == last);
          assertThat(consumer.lagRecords()).isZero();
        }
      }
    }
    assertThat(storedPingIds(coldDir)).containsExactlyElementsOf(Records.pingIds(appended));
    assertThat(storedPositions(coldDir)).isSubsetOf(positions);
  }

  private static List<String> storedPingIds(Path coldDir) throws IOException {
    List<String> ids = new ArrayList<>();
    for (Manifest.CommittedFile file : Manifest.read(coldDir).files()) {
      PingRow.readFile(coldDir.resolve(file.path())).forEach(row -> ids.add(row.pingId()));
    }
    return ids;
  }

  private static List<Long> storedPositions(Path coldDir) throws IOException {
    List<Long> stored = new ArrayList<>();
    for (Manifest.CommittedFile file : Manifest.read(coldDir).files()) {
      PingRow.readFile(coldDir.resolve(file.path())).forEach(row -> stored.add(row.walPosition()));
    }
    return stored;
  }
}
