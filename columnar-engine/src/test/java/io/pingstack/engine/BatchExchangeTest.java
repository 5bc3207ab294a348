package io.pingstack.engine;

import static io.pingstack.engine.Records.pings;
import static io.pingstack.engine.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.model.Wal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchExchangeTest {
  private final AtomicLong nanos = new AtomicLong();
  private final BatchExchange exchange = new BatchExchange("test", ConsumerConfig.defaults().maxBytes(), nanos::get);
  private final Object cold = "cold";
  private final Object rollups = "rollups";
  private final WalRecordColumns scanned = new WalRecordColumns();

  @AfterEach
  void close() {
    exchange.close();
  }

  /** Decodes records at positions {@code first} to {@code last} into the stretch, seals it and offers it. */
  private void decode(BatchExchange.Stretch stretch, long first, long last) {
    for (long position = first; position <= last; position++) {
      scanned.scan(position, record(pings("p" + position, 2)).toByteArray());
      assertThat(stretch.columns.tryAppend(scanned, Integer.MAX_VALUE)).isTrue();
    }
    stretch.columns.seal();
    exchange.decoded(stretch);
  }

  /** The cold consumer decodes {@code stretches} stretches of 3 records from the start, one after another; returns the last position. */
  private long coldDecodesInTurn(int stretches) {
    long after = Wal.NONE;
    for (int i = 0; i < stretches; i++) {
      BatchExchange.Stretch stretch = exchange.next(cold, after);
      assertThat(stretch.decodes()).isTrue();
      decode(stretch, after + 1, after + 3);
      exchange.release(cold, stretch);
      after += 3;
    }
    return after;
  }

  @Test
  void theFirstToAskDecodesTheOtherWaitsThenTakesTheSameColumns() {
    exchange.join(cold);
    exchange.join(rollups);
    BatchExchange.Stretch decoding = exchange.next(cold, Wal.NONE);
    assertThat(decoding.decodes()).isTrue();
    assertThat(exchange.next(rollups, Wal.NONE)).as("being decoded: ask again").isNull();
    assertThat(exchange.claimed(Wal.NONE)).isTrue();
    decode(decoding, 0, 4);
    BatchExchange.Stretch taken = exchange.next(rollups, Wal.NONE);
    assertThat(taken.decodes()).isFalse();
    assertThat(taken.columns).isSameAs(decoding.columns);
    assertThat(taken.columns.records()).isEqualTo(5);
    assertThat(taken.columns.rowCount()).isEqualTo(10);
    exchange.release(cold, decoding);
    exchange.release(rollups, taken);
  }

  @Test
  void aWithdrawnStretchIsTakenByNoOneAndItsBatchIsFreedOnceReleased() {
    exchange.join(cold);
    exchange.join(rollups);
    BatchExchange.Stretch decoded = exchange.next(cold, Wal.NONE);
    decode(decoded, 0, 2);
    exchange.release(cold, decoded);
    BatchExchange.Stretch taken = exchange.next(rollups, Wal.NONE);
    exchange.withdraw(taken);
    assertThat(exchange.claimed(Wal.NONE)).isFalse();
    exchange.release(rollups, taken);
    BatchExchange.Stretch again = exchange.next(rollups, Wal.NONE);
    assertThat(again.decodes()).as("claimed afresh, to decode").isTrue();
    assertThat(again.columns).as("the withdrawn batch, freed and reused").isSameAs(decoded.columns);
    assertThat(exchange.batches()).isEqualTo(1);
    exchange.release(rollups, again);
  }

  @Test
  void aDecoderAskingAgainForWhatItDecodesIsABug() {
    exchange.join(cold);
    exchange.next(cold, Wal.NONE);
    assertThatThrownBy(() -> exchange.next(cold, Wal.NONE)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aStretchGivenUpMidwayOrLeftEmptyIsOfferedToNoOne() {
    exchange.join(cold);
    exchange.join(rollups);
    BatchExchange.Stretch givenUp = exchange.next(cold, Wal.NONE);
    exchange.release(cold, givenUp);
    assertThat(exchange.claimed(Wal.NONE)).isFalse();
    BatchExchange.Stretch empty = exchange.next(rollups, Wal.NONE);
    assertThat(empty.decodes()).as("claimed afresh").isTrue();
    empty.columns.seal();
    exchange.decoded(empty);
    exchange.release(rollups, empty);
    assertThat(exchange.claimed(Wal.NONE)).isFalse();
    assertThat(exchange.next(cold, Wal.NONE).decodes()).isTrue();
  }

  @Test
  void aDecodedStretchWaitsForTheConsumersNotPastItAndIsFreedOnceAllHavePassed() {
    exchange.join(cold);
    exchange.join(rollups);
    BatchExchange.Stretch first = exchange.next(cold, Wal.NONE);
    decode(first, 0, 4);
    exchange.release(cold, first);
    assertThat(exchange.claimed(Wal.NONE)).as("the other consumer has not come yet").isTrue();
    BatchExchange.Stretch taken = exchange.next(rollups, Wal.NONE);
    exchange.release(rollups, taken);
    exchange.release(rollups, exchange.next(rollups, 4)); // the other moves on (and claims the next records)
    assertThat(exchange.claimed(Wal.NONE)).as("every consumer passed it").isFalse();
  }

  @Test
  void theConsumerAheadWaitsForALiveOneBehindThenReusesItsBatchesOnceItStalls() {
    exchange.join(cold);
    exchange.join(rollups); // joined, never asks: behind at the start, live until the patience runs out
    long after = coldDecodesInTurn(4);
    assertThat(exchange.batches()).as("two per consumer").isEqualTo(4);
    assertThat(exchange.next(cold, after)).as("every batch waits for the consumer behind: wait").isNull();
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(BatchExchange.PATIENCE_MILLIS));
    BatchExchange.Stretch fifth = exchange.next(cold, after);
    assertThat(fifth.decodes()).as("the one behind stalled: its oldest batch reused").isTrue();
    assertThat(exchange.batches()).isEqualTo(4);
    assertThat(exchange.claimed(Wal.NONE)).isFalse();
    assertThat(exchange.claimed(2)).isTrue();
    exchange.release(cold, fifth);
  }

  @Test
  void aConsumerThatNeverComesCostsAtMostTwoBatchesPerConsumer() {
    exchange.join(cold);
    exchange.join(rollups); // joined, never asks
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(BatchExchange.PATIENCE_MILLIS));
    long after = coldDecodesInTurn(10);
    assertThat(exchange.batches()).isEqualTo(4);
    assertThat(exchange.claimed(Wal.NONE)).as("the oldest reused").isFalse();
    assertThat(exchange.claimed(after - 3)).as("the newest kept for the consumer that may come").isTrue();
    exchange.leave(rollups);
    assertThat(exchange.claimed(after - 3)).as("no one left to come").isFalse();
  }
}
