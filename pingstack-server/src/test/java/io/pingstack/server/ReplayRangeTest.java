package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.engine.Records;
import io.pingstack.model.Wal;
import io.pingstack.server.ReplayRefusedException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resolving a request's range against a real log whose four records were received a minute apart. */
class ReplayRangeTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  @TempDir Path dir;
  private Wal wal;
  private final List<Long> positions = new ArrayList<>();

  @BeforeEach
  void fourRecordsAMinuteApart() throws Exception {
    wal = Records.openWal(dir);
    for (int i = 0; i < 4; i++) {
      positions.add(Records.append(wal, Records.record(micros(T0.plusSeconds(60L * i)), Records.pings("r" + i, 2))));
    }
  }

  @AfterEach
  void close() {
    wal.close();
  }

  private static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  private ReplayRange resolve(String from, String to) {
    String json = "{\"from\": " + from + (to == null ? "" : ", \"to\": " + to) + ", \"target\": \"cold\"}";
    return ReplayRange.resolve(wal, ReplayRequest.parse(json.getBytes(StandardCharsets.UTF_8)));
  }

  private static String time(Instant t) {
    return "\"" + t + "\"";
  }

  private AbstractThrowableAssert<?, ?> refused(String from, String to, Reason reason) {
    return assertThatThrownBy(() -> resolve(from, to))
        .isInstanceOf(ReplayRefusedException.class)
        .satisfies(e -> assertThat(((ReplayRefusedException) e).reason()).isEqualTo(reason));
  }

  private long p(int i) {
    return positions.get(i);
  }

  @Test
  void positionsAreInclusiveAtBothEnds() {
    assertThat(resolve(Long.toString(p(1)), Long.toString(p(2)))).isEqualTo(new ReplayRange(p(1), p(2), 2));
    assertThat(resolve(Long.toString(p(3)), Long.toString(p(3)))).isEqualTo(new ReplayRange(p(3), p(3), 1));
  }

  @Test
  void timesAreHalfOpenByTimeOfReceipt() {
    assertThat(resolve(time(T0.plusSeconds(60)), time(T0.plusSeconds(180))))
        .as("[10:01, 10:03): the records received at 10:01 and 10:02, not the one at 10:03")
        .isEqualTo(new ReplayRange(p(1), p(2), 2));
    assertThat(resolve(time(T0.plusSeconds(61)), time(T0.plusSeconds(181))))
        .isEqualTo(new ReplayRange(p(2), p(3), 2));
  }

  @Test
  void withoutToTheRangeEndsAtTheLogsLastRecord() {
    assertThat(resolve(time(T0), null)).isEqualTo(new ReplayRange(p(0), p(3), 4));
    assertThat(resolve(Long.toString(p(2)), null)).isEqualTo(new ReplayRange(p(2), p(3), 2));
  }

  @Test
  void aPositionAndATimeMayBeMixed() {
    assertThat(resolve(Long.toString(p(1)), time(T0.plusSeconds(150)))).isEqualTo(new ReplayRange(p(1), p(2), 2));
  }

  @Test
  void aRangeStartingBeforeTheLogIsGoneWithTheOldestPositionAndItsTime() {
    refused(Long.toString(p(0) - 1), null, Reason.RANGE_NOT_IN_LOG)
        .hasMessageContaining("oldest record is position " + p(0))
        .hasMessageContaining(T0.toString());
    refused(time(T0.minusMillis(1)), null, Reason.RANGE_NOT_IN_LOG)
        .hasMessageContaining("oldest record is position " + p(0));
  }

  @Test
  void aRangeHoldingNoRecordIsRefusedSayingWhatTheLogHolds() {
    refused(time(T0.plusSeconds(10)), time(T0.plusSeconds(20)), Reason.EMPTY_RANGE)
        .hasMessageContaining("positions " + p(0) + " to " + p(3));
    refused(time(T0.plusSeconds(60)), time(T0.plusSeconds(60)), Reason.EMPTY_RANGE);
    refused(Long.toString(p(3) + 1), null, Reason.EMPTY_RANGE);
    refused(time(T0.plusSeconds(3600)), null, Reason.EMPTY_RANGE);
  }

  @Test
  void anEmptyLogHasNothingToReplay() throws Exception {
    wal.close();
    wal = Records.openWal(dir.resolve("empty"));
    refused("0", null, Reason.EMPTY_RANGE).hasMessageContaining("the log is empty");
  }
}
