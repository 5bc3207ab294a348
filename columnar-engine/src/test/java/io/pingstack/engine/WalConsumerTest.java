package io.pingstack.engine;

import static io.pingstack.engine.Records.append;
import static io.pingstack.engine.Records.await;
import static io.pingstack.engine.Records.pings;
import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.RetentionPin;
import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.proto.WalRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalConsumerTest {
  @TempDir Path dir;

  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger stopped = new AtomicInteger();
  private final ConsumerMetrics counting = new ConsumerMetrics() {
    @Override
    public void failed() {
      failed.incrementAndGet();
    }

    @Override
    public void stopped() {
      stopped.incrementAndGet();
    }
  };

  private List<WalRecord> appendRecords(Wal wal, String prefix, int records, int pingsEach) throws Exception {
    List<WalRecord> appended = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      WalRecord record = record(pings(prefix + i, pingsEach));
      append(wal, record);
      appended.add(record);
    }
    return appended;
  }

  @Test
  void everyAppendedPingArrivesExactlyOnceAndInOrder() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      RecordingSink sink = new RecordingSink();
      List<WalRecord> first = appendRecords(wal, "a", 50, 4);
      try (WalConsumer consumer = WalConsumer.start("rollups", wal, sink, ConsumerConfig.defaults(), counting)) {
        List<WalRecord> second = appendRecords(wal, "b", 50, 3);
        List<String> expected = new ArrayList<>(Records.pingIds(first));
        expected.addAll(Records.pingIds(second));
        await("every ping", () -> sink.rows().size() >= expected.size());
        assertThat(sink.pingIds()).containsExactlyElementsOf(expected);
        // The sink holds the rows while accept runs; the consumer notes the position once it returns.
        long last = wal.lastPosition();
        await("the applied position", () -> consumer.appliedPosition() == last);
        assertThat(consumer.lagRecords()).isZero();
        await("a tick while idle", () -> sink.ticks() > 0);
      }
      assertThat(sink.closed()).as("close closes the sink").isTrue();
      assertThat(sink.resumes()).isEqualTo(1);
      assertThat(failed.get()).isZero();
    }
  }

  @Test
  void anOpenedConsumerHoldsItsPlaceInTheLogButReadsOnlyOnceStarted() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      RecordingSink sink = new RecordingSink();
      List<WalRecord> records = appendRecords(wal, "a", 5, 2);
      try (WalConsumer consumer = WalConsumer.open("rollups", wal, sink, ConsumerConfig.defaults(), counting)) {
        assertThat(wal.retentionPins()).extracting(RetentionPin::name).containsExactly("rollups");
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
            .as("no reading thread before startReading").doesNotContain("wal-consumer-rollups");
        assertThat(sink.resumes()).isZero();

        consumer.startReading();

        await("every ping", () -> sink.rows().size() >= 10);
        assertThat(sink.pingIds()).containsExactlyElementsOf(Records.pingIds(records));
      }
      assertThat(sink.closed()).isTrue();
    }
  }

  @Test
  void aConsumerClosedBeforeItReadsClosesItsSink() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      RecordingSink sink = new RecordingSink();
      WalConsumer.open("rollups", wal, sink, ConsumerConfig.defaults(), counting).close();
      assertThat(sink.closed()).isTrue();
      assertThat(sink.resumes()).isZero();
    }
  }

  @Test
  void batchesRespectMaxRowsAndNeverSplitARecord() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      List<WalRecord> records = appendRecords(wal, "r", 30, 3);
      WalRecord big = record(pings("big", 12));
      append(wal, big);
      records.add(big);
      records.addAll(appendRecords(wal, "s", 5, 3));
      RecordingSink sink = new RecordingSink();
      ConsumerConfig config = ConsumerConfig.defaults().withMaxRows(10);
      try (WalConsumer consumer = WalConsumer.start("cold", wal, sink, config, counting)) {
        await("every record applied", () -> consumer.appliedPosition() == wal.lastPosition());
      }
      assertThat(sink.pingIds()).containsExactlyElementsOf(Records.pingIds(records));
      Set<Long> seen = new HashSet<>();
      for (RecordingSink.Batch batch : sink.batches()) {
        if (batch.records() == 1) {
          assertThat(batch.rows()).as("a record alone may exceed maxRows").isIn(3, 12);
        } else {
          assertThat(batch.rows()).isLessThanOrEqualTo(10);
        }
        Set<Long> positions = new HashSet<>(batch.rowPositions());
        assertThat(positions).hasSize(batch.records());
        assertThat(seen).as("a record in two batches").doesNotContainAnyElementsOf(positions);
        seen.addAll(positions);
      }
      assertThat(sink.batches()).filteredOn(b -> b.rows() == 12).singleElement()
          .satisfies(b -> assertThat(b.records()).isEqualTo(1));
      assertThat(sink.batches()).as("records read faster than maxDelay fill batches to maxRows")
          .anySatisfy(b -> assertThat(b.rows()).isEqualTo(9));
    }
  }

  @Test
  void batchesRespectMaxBytesAndNeverSplitARecord() throws Exception {
    String payload = "{\"blob\":\"" + "x".repeat(100_000) + "\"}";
    try (Wal wal = Records.openWal(dir)) {
      List<WalRecord> records = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        WalRecord record = record(TestPings.ping("inst-1", "p" + i + "-a").payload(payload).build(),
            TestPings.ping("inst-1", "p" + i + "-b").payload(payload).build());
        append(wal, record);
        records.add(record);
      }
      RecordingSink sink = new RecordingSink();
      ConsumerConfig config = ConsumerConfig.defaults().withMaxBytes(ConsumerConfig.MIN_BYTES);
      try (WalConsumer consumer = WalConsumer.start("cold", wal, sink, config, counting)) {
        await("every record applied", () -> consumer.appliedPosition() == wal.lastPosition());
      }
      assertThat(sink.pingIds()).containsExactlyElementsOf(Records.pingIds(records));
      assertThat(sink.batches()).as("8 MB of payloads in 4 MiB batches").hasSizeGreaterThan(2)
          .allSatisfy(b -> assertThat(b.rows()).isEqualTo(2 * b.records()));
      assertThat(failed.get()).isZero();
    }
  }

  @Test
  void restartResumesAfterTheSinksResumePosition() throws Exception {
    Path walDir = dir.resolve("wal");
    List<Long> positions = new ArrayList<>();
    try (Wal wal = Records.openWal(walDir)) {
      for (int i = 0; i < 10; i++) {
        positions.add(append(wal, record(pings("r" + i, 2))));
      }
      RecordingSink sink = new RecordingSink();
      try (WalConsumer consumer = WalConsumer.start("cold", wal, sink, ConsumerConfig.defaults(), counting)) {
        await("every record applied", () -> consumer.appliedPosition() == wal.lastPosition());
      }
      assertThat(sink.rows()).hasSize(20);
    }
    try (Wal wal = Records.openWal(walDir)) {
      RecordingSink restarted = new RecordingSink(positions.get(6));
      try (WalConsumer consumer = WalConsumer.start("cold", wal, restarted, ConsumerConfig.defaults(), counting)) {
        await("every record applied", () -> consumer.appliedPosition() == wal.lastPosition());
        assertThat(restarted.rows()).extracting(RecordingSink.Row::position)
            .containsExactly(positions.get(7), positions.get(7), positions.get(8), positions.get(8), positions.get(9), positions.get(9));
        assertThat(restarted.pingIds()).startsWith("r7-0", "r7-1");
      }
    }
  }

  @Test
  void aSinkThatThrowsOnceGetsTheSameRowsAgainAndNothingIsLostOrDoubled() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      List<WalRecord> records = appendRecords(wal, "r", 20, 3);
      RecordingSink sink = new RecordingSink();
      sink.failNextAccepts(1);
      try (WalConsumer consumer = WalConsumer.start("cold", wal, sink, ConsumerConfig.defaults(), counting)) {
        await("every ping", () -> sink.rows().size() >= 60);
        assertThat(consumer.failure()).isNull();
      }
      assertThat(sink.pingIds()).containsExactlyElementsOf(Records.pingIds(records));
      RecordingSink.Batch failedBatch = sink.failedBatches().get(0);
      RecordingSink.Batch retried = sink.batches().get(0);
      assertThat(retried.firstPosition()).isEqualTo(failedBatch.firstPosition());
      assertThat(retried.rowPositions()).startsWith(failedBatch.rowPositions().toArray(Long[]::new));
      assertThat(sink.resumes()).as("asked again after the failure").isEqualTo(2);
      assertThat(failed.get()).isEqualTo(1);
    }
  }

  @Test
  void lagGaugesRiseWhileTheSinkIsBlockedAndFallToZeroWhenCaughtUp() throws Exception {
    long fiveSecondsAgo = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis() - 5_000);
    try (Wal wal = Records.openWal(dir)) {
      RecordingSink sink = new RecordingSink();
      sink.hold();
      try (WalConsumer consumer = WalConsumer.start("rollups", wal, sink, ConsumerConfig.defaults(), counting)) {
        assertThat(consumer.lagRecords()).isZero();
        assertThat(consumer.lagSeconds()).isZero();
        for (int i = 0; i < 5; i++) {
          append(wal, record(fiveSecondsAgo, pings("r" + i, 2)));
        }
        await("5 records of lag", () -> consumer.lagRecords() == 5);
        assertThat(consumer.lagSeconds()).isGreaterThanOrEqualTo(5.0).isLessThan(60.0);
        for (int i = 5; i < 8; i++) {
          append(wal, record(pings("r" + i, 2)));
        }
        assertThat(consumer.lagRecords()).isEqualTo(8);
        sink.release();
        await("caught up", () -> consumer.lagRecords() == 0);
        assertThat(consumer.lagSeconds()).isZero();
        assertThat(sink.rows()).hasSize(16);
      }
    }
  }

  @Test
  void durableLagCountsWhatTheSinkAcceptedButHasNotStoredYet() throws Exception {
    long fiveSecondsAgo = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis() - 5_000);
    try (Wal wal = Records.openWal(dir)) {
      RecordingSink sink = new RecordingSink();
      sink.buffer();
      try (WalConsumer consumer = WalConsumer.start("cold", wal, sink, ConsumerConfig.defaults(), counting)) {
        assertThat(consumer.durableLagRecords()).isZero();
        assertThat(consumer.durableLagSeconds()).isZero();
        for (int i = 0; i < 4; i++) {
          append(wal, record(fiveSecondsAgo, pings("b" + i, 2)));
        }
        await("every record accepted", () -> consumer.lagRecords() == 0 && sink.rows().size() == 8);
        assertThat(consumer.lagSeconds()).isZero();
        assertThat(consumer.durablePosition()).isEqualTo(Wal.NONE);
        assertThat(consumer.durableLagRecords()).isEqualTo(4);
        assertThat(consumer.durableLagSeconds()).isGreaterThanOrEqualTo(5.0).isLessThan(60.0);
        sink.flushBuffered();
        assertThat(consumer.durablePosition()).isEqualTo(wal.lastPosition());
        assertThat(consumer.durableLagRecords()).isZero();
        assertThat(consumer.durableLagSeconds()).isZero();
      }
    }
  }

  @Test
  void aRecordThatDoesNotDecodeStopsTheConsumerLoudlyAndNothingAfterItIsApplied() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      long good = append(wal, record(pings("good", 2)));
      wal.append(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}).get(10, TimeUnit.SECONDS);
      append(wal, record(pings("after", 2)));
      RecordingSink sink = new RecordingSink();
      try (WalConsumer consumer = WalConsumer.start("cold", wal, sink, ConsumerConfig.defaults(), counting)) {
        await("the consumer stops", () -> consumer.failure() != null);
        assertThat(consumer.failure()).isInstanceOf(WalCorruptException.class);
        assertThat(stopped.get()).isEqualTo(1);
        assertThat(sink.pingIds()).containsExactly("good-0", "good-1");
        assertThat(consumer.appliedPosition()).isEqualTo(good);
        assertThat(consumer.lagRecords()).isEqualTo(2);
      }
    }
  }

  @Test
  void aPingInsideARecordThatDoesNotDecodeStopsTheConsumerAfterTheRecordsBeforeIt() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      long good = append(wal, record(pings("good", 2)));
      byte[] bad = record(pings("bad", 2)).toByteArray();
      int firstPing = indexOf(bad, (byte) (WalRecord.PINGS_FIELD_NUMBER << 3 | 2));
      bad[firstPing + 3] = (byte) 0x7F; // the first ping's ping_id now claims 127 bytes: past its ping
      wal.append(bad).get(10, TimeUnit.SECONDS);
      append(wal, record(pings("after", 2)));
      RecordingSink sink = new RecordingSink();
      try (WalConsumer consumer = WalConsumer.start("cold", wal, sink, ConsumerConfig.defaults(), counting)) {
        await("the consumer stops", () -> consumer.failure() != null);
        assertThat(consumer.failure()).isInstanceOf(WalCorruptException.class).hasMessageContaining(String.valueOf(good + 1));
        assertThat(sink.pingIds()).containsExactly("good-0", "good-1");
        assertThat(consumer.appliedPosition()).isEqualTo(good);
      }
    }
  }

  private static int indexOf(byte[] bytes, byte value) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == value) {
        return i;
      }
    }
    throw new AssertionError("byte " + value + " not found");
  }

  /** Counts the records a consumer took decoded from another one. */
  private static final class Taking implements ConsumerMetrics {
    final AtomicInteger taken = new AtomicInteger();

    @Override
    public void taken(int records) {
      taken.addAndGet(records);
    }
  }

  @Test
  void consumersSharingAnExchangeEachApplyEveryRecordOnceInOrderAndDecodeItOnce() throws Exception {
    ConsumerConfig config = ConsumerConfig.defaults().withMaxDelay(java.time.Duration.ofMillis(20));
    try (Wal wal = Records.openWal(dir);
        BatchExchange exchange = new BatchExchange("test", config.maxBytes())) {
      RecordingSink coldSink = new RecordingSink();
      RecordingSink rollupSink = new RecordingSink();
      Taking cold = new Taking();
      Taking rollups = new Taking();
      List<WalRecord> appended = new ArrayList<>();
      try (WalConsumer a = WalConsumer.open("cold", wal, coldSink, config, cold, exchange);
          WalConsumer b = WalConsumer.open("rollups", wal, rollupSink, config, rollups, exchange)) {
        a.startReading();
        b.startReading();
        for (int burst = 0; burst < 20; burst++) {
          appended.addAll(appendRecords(wal, "burst" + burst + "-", 10, 5));
          long last = wal.lastPosition();
          await("both consumers at the head", () -> a.appliedPosition() == last && b.appliedPosition() == last);
        }
        assertThat(exchange.batches()).as("two batches per consumer, at most").isLessThanOrEqualTo(4);
      }
      List<String> expected = Records.pingIds(appended);
      assertThat(coldSink.pingIds()).containsExactlyElementsOf(expected);
      assertThat(rollupSink.pingIds()).containsExactlyElementsOf(expected);
      // At the head one consumer decodes what comes and the other waits for it: all 200 records are
      // decoded once, unless a consumer stalled so long that the other reused a batch it had not taken.
      assertThat(cold.taken.get() + rollups.taken.get()).isBetween(100, 200);
      assertThat(failed.get()).isZero();
    }
  }

  @Test
  void aConsumerBehindTheOtherDecodesUntilWhereTheOtherDecodedAndTakesTheRest() throws Exception {
    ConsumerConfig config = ConsumerConfig.defaults().withMaxRows(20).withMaxDelay(java.time.Duration.ofMillis(20));
    try (Wal wal = Records.openWal(dir);
        BatchExchange exchange = new BatchExchange("test", config.maxBytes())) {
      List<WalRecord> appended = appendRecords(wal, "r", 40, 4);
      RecordingSink aheadSink = new RecordingSink();
      RecordingSink behindSink = new RecordingSink();
      Taking ahead = new Taking();
      Taking behind = new Taking();
      try (WalConsumer a = WalConsumer.open("cold", wal, aheadSink, config, ahead, exchange);
          WalConsumer b = WalConsumer.open("rollups", wal, behindSink, config, behind, exchange)) {
        a.startReading();
        long last = wal.lastPosition();
        await("the first consumer at the head", () -> a.appliedPosition() == last);
        // It decoded 8 batches of 5 records (waiting, at the fifth, until the other consumer had
        // shown no life for the exchange's patience); of the four batches of two consumers, it holds
        // one to decode the next records into, and the last three it decoded wait for the other
        // consumer. That one needs a batch to decode the first records into: it reuses the oldest.
        b.startReading();
        await("the second consumer at the head", () -> b.appliedPosition() == last);
        // (Or the last three, when it started before the first consumer claimed what comes next.)
        int takenBehind = behind.taken.get();
        assertThat(takenBehind).as("the last batches taken, not decoded again").isIn(10, 15);
        assertThat(ahead.taken.get()).isZero();
        appended.addAll(appendRecords(wal, "s", 10, 4));
        long end = wal.lastPosition();
        await("both at the new head", () -> a.appliedPosition() == end && b.appliedPosition() == end);
        assertThat(ahead.taken.get() + behind.taken.get()).as("what came later decoded once, by either").isEqualTo(takenBehind + 10);
      }
      List<String> expected = Records.pingIds(appended);
      assertThat(aheadSink.pingIds()).containsExactlyElementsOf(expected);
      assertThat(behindSink.pingIds()).containsExactlyElementsOf(expected);
      assertThat(behindSink.batches()).as("its own batch ends where the taken ones start")
          .extracting(RecordingSink.Batch::rows).startsWith(20, 20, 20, 20, 20, 20, 20, 20);
    }
  }

  @Test
  void aConsumerWaitingForTheOtherToDecodeCarriesOnAloneOnceTheOtherCloses() throws Exception {
    ConsumerConfig config = ConsumerConfig.defaults().withMaxDelay(java.time.Duration.ofMillis(20));
    try (Wal wal = Records.openWal(dir);
        BatchExchange exchange = new BatchExchange("test", config.maxBytes())) {
      List<WalRecord> appended = appendRecords(wal, "r", 5, 2);
      RecordingSink staying = new RecordingSink();
      try (WalConsumer b = WalConsumer.open("rollups", wal, staying, config, ConsumerMetrics.NOOP, exchange)) {
        WalConsumer a = WalConsumer.open("cold", wal, new RecordingSink(), config, ConsumerMetrics.NOOP, exchange);
        a.startReading();
        b.startReading();
        long last = wal.lastPosition();
        await("both at the head", () -> a.appliedPosition() == last && b.appliedPosition() == last);
        a.close();
        appended.addAll(appendRecords(wal, "s", 5, 2));
        long end = wal.lastPosition();
        await("the remaining consumer at the new head", () -> b.appliedPosition() == end);
      }
      assertThat(staying.pingIds()).containsExactlyElementsOf(Records.pingIds(appended));
    }
  }

  @Test
  void aConsumerStoppingWhileTheOtherDecodesHandsOverWhatIsThereAsIfItHadDecodedItself() throws Exception {
    ConsumerConfig config = ConsumerConfig.defaults().withMaxDelay(java.time.Duration.ofMinutes(1));
    try (Wal wal = Records.openWal(dir);
        BatchExchange exchange = new BatchExchange("test", config.maxBytes())) {
      List<WalRecord> appended = appendRecords(wal, "r", 1, 3);
      RecordingSink decoderSink = new RecordingSink();
      RecordingSink waiterSink = new RecordingSink();
      try (WalConsumer decoder = WalConsumer.open("cold", wal, decoderSink, config, ConsumerMetrics.NOOP, exchange)) {
        WalConsumer waiter = WalConsumer.open("rollups", wal, waiterSink, config, ConsumerMetrics.NOOP, exchange);
        decoder.startReading();
        await("the first consumer decoding (and holding for a minute) the records after the start",
            () -> exchange.claimed(Wal.NONE));
        waiter.startReading();
        await("the second consumer reading (it waits for the first)", () -> waiterSink.resumes() == 1);
        waiter.close();
        assertThat(waiterSink.pingIds()).as("stopped while the other decodes").containsExactlyElementsOf(Records.pingIds(appended));
        assertThat(waiterSink.durablePosition()).isEqualTo(wal.lastPosition());
      }
      assertThat(decoderSink.pingIds()).containsExactlyElementsOf(Records.pingIds(appended));
    }
  }

  @Test
  void closeIsIdempotentAndReleasesTheSink() throws Exception {
    try (Wal wal = Records.openWal(dir)) {
      RecordingSink sink = new RecordingSink();
      WalConsumer consumer = WalConsumer.start("cold", wal, sink, ConsumerConfig.defaults(), ConsumerMetrics.NOOP);
      consumer.close();
      consumer.close();
      assertThat(sink.closed()).isTrue();
      assertThat(consumer.appliedPosition()).isEqualTo(Wal.NONE);
    }
  }
}
