package io.pingstack.bench;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.model.WalReader;
import io.pingstack.rollups.RollupMetrics;
import io.pingstack.rollups.RollupSink;
import io.pingstack.rollups.RollupsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Rollups filled as the rollup consumer fills them: {@link BenchPings} in WAL records of 100 pings,
 * 64 records per {@link ColumnBatch}, each batch handed to {@link RollupSink#accept}. The dataset of
 * the query benchmark of {@code docs/BENCHMARKS.md}, scaled: event times spread over the last
 * {@link #SPREAD}, 5,000 instances, the declared dimensions of {@link BenchPings#DECLARED_DIMENSIONS}.
 */
final class BenchRollups implements AutoCloseable {
  static final Duration SPREAD = Duration.ofDays(7);
  static final int INSTANCES = 5_000;
  private static final int RECORDS_PER_BATCH = 64;

  final Path snapshotDir;
  final RollupSink sink;
  final BenchPings generator;
  /** When the load was made; the dataset's event times end here. */
  final long loadedAtMillis;
  private long nextPosition;

  private BenchRollups(Path snapshotDir, RollupSink sink, BenchPings generator, long loadedAtMillis) {
    this.snapshotDir = snapshotDir;
    this.sink = sink;
    this.generator = generator;
    this.loadedAtMillis = loadedAtMillis;
  }

  /** Rollups in a new temp directory holding {@code pings} pings over the last {@link #SPREAD}. No snapshot is written. */
  static BenchRollups load(int pings, long seed) throws IOException {
    Path dir = Files.createTempDirectory("pingstack-bench-rollups");
    RollupsConfig config = RollupsConfig.defaults(dir).withDimensions(BenchPings.DECLARED_DIMENSIONS);
    long now = System.currentTimeMillis();
    BenchRollups rollups = new BenchRollups(dir, RollupSink.open(config, Duration.ofDays(1), RollupMetrics.NOOP),
        new BenchPings(seed, INSTANCES), now);
    int left = pings;
    while (left > 0) {
      int records = Math.min(RECORDS_PER_BATCH, (left + BenchPings.BATCH - 1) / BenchPings.BATCH);
      List<WalReader.Entry> entries = new ArrayList<>(records);
      for (int i = 0; i < records; i++) {
        int n = Math.min(left, BenchPings.BATCH);
        entries.add(new WalReader.Entry(rollups.nextPosition++,
            BenchPings.walRecord(rollups.generator.pings(n, now, SPREAD.toMillis()), now)));
        left -= n;
      }
      try (ColumnBatch batch = ColumnBatch.of(entries)) {
        rollups.sink.accept(batch);
      }
    }
    return rollups;
  }

  /** {@code count} batches of one record of 100 pings from the last minute, all at the next position (applying one again is allowed). */
  ColumnBatch[] liveBatches(int count) {
    long position = nextPosition++;
    long now = System.currentTimeMillis();
    ColumnBatch[] batches = new ColumnBatch[count];
    for (int i = 0; i < count; i++) {
      WalReader.Entry entry = new WalReader.Entry(position, BenchPings.walRecord(generator.pings(BenchPings.BATCH, now, 60_000), now));
      batches[i] = ColumnBatch.of(List.of(entry));
    }
    return batches;
  }

  /** Releases the rollups without a snapshot and deletes the directory. */
  @Override
  public void close() {
    // RollupSink.close() snapshots: the rollups themselves are left to the garbage collector instead.
    try (Stream<Path> files = Files.walk(snapshotDir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + snapshotDir + ": " + e.getMessage(), e);
    }
  }
}
