package io.pingstack.bench;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.rollups.RollupSink;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RollupSink#accept} of a batch of 100 live pings (event times in the last minute), as the
 * rollup consumer hands it over: per row, the {@code ColumnBatch} row read as a ping, then the
 * catalog, the instance table and the minute, hour and day cells of its series updated (count,
 * sum, min, max, distinct-instance and quantile sketches). The rollups already hold {@link
 * #loadedPings} pings over 7 days (every series of the dataset, 7 days of cells), and the batches
 * rotate among {@value #BATCHES} different ones. Scores are per ping. Not final: JMH subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(BenchPings.BATCH)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class RollupUpdateBenchmark {
  static final int BATCHES = 64;

  /** Pings in the rollups before the measurement. */
  @Param("1000000")
  public int loadedPings;

  private BenchRollups rollups;
  private ColumnBatch[] batches;
  private int next;

  @Setup
  public void setup() throws IOException {
    rollups = BenchRollups.load(loadedPings, 17);
    batches = rollups.liveBatches(BATCHES);
  }

  @TearDown
  public void tearDown() {
    for (ColumnBatch batch : batches) {
      batch.close();
    }
    rollups.close();
  }

  /** Returns the sink, whose cells now count the batch. */
  @Benchmark
  public RollupSink accept() {
    ColumnBatch batch = batches[next];
    next = (next + 1) % BATCHES;
    rollups.sink.accept(batch);
    return rollups.sink;
  }

  RollupSink sink() {
    return rollups.sink;
  }
}
