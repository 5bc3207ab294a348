package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.Wal;
import io.pingstack.model.WalFile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WalTimesTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  /** Three files (positions jump between them, one file is empty); record i received at T0 + 10 s * i. */
  private final List<WalFile> files = List.of(
      new WalFile("a", 1, 3, 100, 102),
      new WalFile("b", 1, 0, Wal.NONE, Wal.NONE),
      new WalFile("c", 1, 4, 200, 203),
      new WalFile("d", 1, 2, 300, 301));
  private final Map<Long, Instant> times = new HashMap<>();
  private final List<Long> reads = new ArrayList<>();

  private Instant receivedAt(long position) {
    reads.add(position);
    return times.get(position);
  }

  WalTimesTest() {
    long[] positions = {100, 101, 102, 200, 201, 202, 203, 300, 301};
    for (int i = 0; i < positions.length; i++) {
      times.put(positions[i], T0.plusSeconds(10L * i));
    }
  }

  private long first(Instant t) {
    return WalTimes.firstReceivedAtOrAfter(files, this::receivedAt, t);
  }

  private long lastBefore(Instant t) {
    return WalTimes.lastReceivedBefore(files, this::receivedAt, t);
  }

  @Test
  void theFirstRecordReceivedAtOrAfterATimeIsFoundInWhicheverFileHoldsIt() {
    assertThat(first(T0.minusSeconds(1))).isEqualTo(100);
    assertThat(first(T0)).isEqualTo(100);
    assertThat(first(T0.plusSeconds(1))).isEqualTo(101);
    assertThat(first(T0.plusSeconds(21))).as("past the end of the first file").isEqualTo(200);
    assertThat(first(T0.plusSeconds(50))).isEqualTo(202);
    assertThat(first(T0.plusSeconds(61))).isEqualTo(300);
    assertThat(first(T0.plusSeconds(80))).isEqualTo(301);
    assertThat(first(T0.plusSeconds(81))).isEqualTo(Wal.NONE);
  }

  @Test
  void theLastRecordReceivedBeforeATimeExcludesARecordReceivedAtThatTime() {
    assertThat(lastBefore(T0)).isEqualTo(Wal.NONE);
    assertThat(lastBefore(T0.plusSeconds(1))).isEqualTo(100);
    assertThat(lastBefore(T0.plusSeconds(30))).as("received exactly then: excluded").isEqualTo(102);
    assertThat(lastBefore(T0.plusSeconds(31))).isEqualTo(200);
    assertThat(lastBefore(T0.plusSeconds(70))).isEqualTo(203);
    assertThat(lastBefore(T0.plusSeconds(3600))).isEqualTo(301);
  }

  @Test
  void aSearchReadsFewRecords() {
    first(T0.plusSeconds(45));
    assertThat(reads).hasSizeLessThanOrEqualTo(5);
  }

  @Test
  void anEmptyLogHoldsNoSuchRecord() {
    assertThat(WalTimes.firstReceivedAtOrAfter(List.of(), this::receivedAt, T0)).isEqualTo(Wal.NONE);
    assertThat(WalTimes.lastReceivedBefore(List.of(), this::receivedAt, T0)).isEqualTo(Wal.NONE);
  }
}
