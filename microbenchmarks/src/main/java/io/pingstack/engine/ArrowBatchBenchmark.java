package io.pingstack.engine;

import io.pingstack.bench.BenchPings;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The WAL consumer's batch build: {@value #RECORDS} encoded WAL records of 100 pings each decoded
 * straight into one {@link ColumnBatch}'s Arrow vectors, as {@link WalConsumer} does between two
 * hand-overs ({@link ColumnBatch#reset}, then per record {@link WalRecordColumns#scan} and {@link
 * ColumnBatch#tryAppend}, then {@link ColumnBatch#seal}). The vectors keep their buffers from batch
 * to batch, as the consumer's do. Reading the records from Chronicle is not included. Scores are per
 * ping.
 *
 * <p>In the engine's package because the batch building is package-private. Not final: JMH subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ArrowBatchBenchmark.RECORDS * BenchPings.BATCH)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class ArrowBatchBenchmark {
  /** Records per batch: 6,400 rows, a batch the consumer cuts at about 64k pings/s (100 ms). */
  static final int RECORDS = 64;

  private final ConsumerConfig config = ConsumerConfig.defaults();
  private byte[][] records;
  private WalRecordColumns columns;
  private ColumnBatch batch;

  @Setup
  public void setup() {
    BenchPings generator = new BenchPings(13, 5_000);
    long now = System.currentTimeMillis();
    records = new byte[RECORDS][];
    for (int i = 0; i < RECORDS; i++) {
      records[i] = BenchPings.walRecord(generator.pings(BenchPings.BATCH, now, 60_000), now).toByteArray();
    }
    columns = new WalRecordColumns();
    batch = new ColumnBatch(EngineMemory.child("bench-column-batch", config.maxBytes()));
  }

  @TearDown
  public void tearDown() {
    batch.close();
  }

  /** Returns the sealed batch (borrowed, as a sink gets it). */
  @Benchmark
  public ColumnBatch build() {
    batch.reset();
    for (int i = 0; i < RECORDS; i++) {
      columns.scan(i, records[i]);
      if (!batch.tryAppend(columns, config.maxRows())) {
        throw new IllegalStateException("record " + i + " does not fit in the batch");
      }
    }
    batch.seal();
    return batch;
  }
}
