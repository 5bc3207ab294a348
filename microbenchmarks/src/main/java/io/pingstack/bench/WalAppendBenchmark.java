package io.pingstack.bench;

import io.pingstack.model.Wal;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.WalConfig;
import io.pingstack.wal.WalMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ChronicleWal#append} of one WAL record of 100 pings (about 17 KB, as the gateway encodes
 * an accepted request), until its future completes: the hand-off to the writer thread, the write
 * into Chronicle's mapped file and, with {@code sync=group}, the fsync. {@link #append} waits for
 * each record alone (one request at a time); {@link #append16} issues 16 appends before waiting
 * (16 concurrent requests, which group commit covers with one sync). Scores are per record.
 *
 * <p>Each iteration writes a fresh log in a temp directory, deleted after it, so the disk holds
 * at most one iteration's records (about 1 GB at {@code sync=none}). Not final: JMH subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class WalAppendBenchmark {
  static final int CONCURRENT = 16;

  /** {@code wal.sync}: {@code none} (page cache) or {@code group} (fsync per group). */
  @Param({"none", "group"})
  public String sync;

  private byte[] record;
  private Path dir;
  private Wal wal;
  private final CompletableFuture<?>[] pending = new CompletableFuture<?>[CONCURRENT];

  @Setup(Level.Trial)
  public void record() {
    long now = System.currentTimeMillis();
    record = BenchPings.walRecord(new BenchPings(11, 5_000).pings(BenchPings.BATCH, now, 60_000), now).toByteArray();
  }

  @Setup(Level.Iteration)
  public void open() throws IOException {
    dir = Files.createTempDirectory("pingstack-bench-wal");
    WalConfig.Sync mode = WalConfig.Sync.valueOf(sync.toUpperCase(Locale.ROOT));
    wal = ChronicleWal.open(WalConfig.defaults(dir).withSync(mode), WalMetrics.NOOP);
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException {
    if (wal != null) {
      wal.close();
      wal = null;
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
      dir = null;
    }
  }

  /** One record, acknowledged: returns its position. */
  @Benchmark
  public long append() {
    return wal.append(record).join();
  }

  /** {@value #CONCURRENT} records in flight, then all acknowledged: returns the last position. */
  @Benchmark
  @OperationsPerInvocation(CONCURRENT)
  public long append16() {
    for (int i = 0; i < CONCURRENT; i++) {
      pending[i] = wal.append(record);
    }
    long last = -1;
    for (CompletableFuture<?> f : pending) {
      last = Math.max(last, (Long) f.join());
    }
    return last;
  }

  /** The record's size in bytes. */
  int recordBytes() {
    return record.length;
  }
}
