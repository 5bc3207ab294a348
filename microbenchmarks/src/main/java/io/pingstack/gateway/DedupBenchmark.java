package io.pingstack.gateway;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The dedup window's lookups of one batch of 100 pairs, as {@link IngestService} does them under
 * the window's lock, in a window holding {@code pairs} pairs: a table far larger than the caches,
 * so each lookup's first probe is a cache miss. The batch's pairs are all already in the window
 * (duplicates), so the window stays the same size from one invocation to the next; a new pair
 * probes the same way until it finds a free slot. {@code warm} first runs {@link DedupWindow#warm}
 * on the batch, as the gateway does. Returns the batch's duplicates (all of it). Scores are per pair.
 *
 * <p>In the gateway's package because the window is package-private. Not final: JMH subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(DedupBenchmark.BATCH)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class DedupBenchmark {
  static final int BATCH = 100;
  private static final int BATCHES = 1 << 14;

  /** Pairs in the window: 4M is the default {@code dedup.max_entries}, a full window, in 8M slots (128 MiB). */
  @Param({"4000000"})
  public int pairs;

  /** Whether {@link DedupWindow#warm} runs on each batch before its lookups. */
  @Param({"false", "true"})
  public boolean warm;

  private DedupWindow window;
  private long now;
  private long[][] his;
  private long[][] los;
  private int next;

  @Setup
  public void fill() {
    now = System.currentTimeMillis();
    window = new DedupWindow(Duration.ofHours(24), pairs);
    window.reserve(pairs);
    SplittableRandom random = new SplittableRandom(7);
    long[] allHi = new long[pairs];
    long[] allLo = new long[pairs];
    for (int i = 0; i < pairs; i++) {
      allHi[i] = random.nextLong() | 1; // a fingerprint's first half is never zero
      allLo[i] = random.nextLong();
      window.markIfAbsent(allHi[i], allLo[i], now);
    }
    his = new long[BATCHES][BATCH];
    los = new long[BATCHES][BATCH];
    for (int b = 0; b < BATCHES; b++) {
      for (int k = 0; k < BATCH; k++) {
        int pair = random.nextInt(pairs);
        his[b][k] = allHi[pair];
        los[b][k] = allLo[pair];
      }
    }
  }

  @Benchmark
  public int lookups() {
    int b = next++ & (BATCHES - 1);
    long[] hi = his[b];
    long[] lo = los[b];
    if (warm) {
      window.warm(hi, lo, BATCH);
    }
    int duplicates = 0;
    synchronized (window.lock()) {
      for (int k = 0; k < BATCH; k++) {
        duplicates += window.markIfAbsent(hi[k], lo[k], now) ? 0 : 1;
      }
    }
    return duplicates;
  }

  /** Pairs in the window now. */
  long size() {
    return window.size();
  }
}
