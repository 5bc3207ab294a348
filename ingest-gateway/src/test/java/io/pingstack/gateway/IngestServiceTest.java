package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pingstack.model.DecodedBatch;
import io.pingstack.model.MalformedBodyException;
import io.pingstack.model.PingRules;
import io.pingstack.model.ProtoPings;
import io.pingstack.model.TestPings;
import io.pingstack.model.TooManyPingsException;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IngestServiceTest {
  private static final long NOW = TestPings.T0.toEpochMilli();
  private static final Duration WINDOW = Duration.ofHours(24);
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  private final InMemoryWal wal = new InMemoryWal();
  private final IngestService service = new IngestService(wal, new DedupWindow(WINDOW, 1_000_000), "node-a");

  private static Ping ping(String instanceId, String pingId) {
    return TestPings.ping(instanceId, pingId).at(TestPings.T0).build();
  }

  private static DecodedBatch batch(Ping... pings) {
    byte[] body = TestPings.protoBody(pings);
    try {
      return ProtoPings.decode(body, 0, body.length, RULES, NOW, 10_000);
    } catch (MalformedBodyException | TooManyPingsException e) {
      throw new AssertionError("the test batch does not decode", e);
    }
  }

  private IngestResult ingest(Ping... pings) {
    return service.ingest(batch(pings), "alice", NOW).join();
  }

  private static List<String> pingIds(WalRecord record) {
    return record.getPingsList().stream().map(Ping::getPingId).toList();
  }

  private static void appendRecord(InMemoryWal log, long receivedAtMillis, Ping... pings) {
    WalRecord record = WalRecord.newBuilder()
        .setReceivedAtMicros(TimeUnit.MILLISECONDS.toMicros(receivedAtMillis))
        .setIngestNode("node-a")
        .setPrincipal("alice")
        .addAllPings(List.of(pings))
        .build();
    log.append(record.toByteArray()).join();
  }

  @Test
  void newPingsAreAcceptedAndAppendedAsOneRecord() {
    IngestResult result = ingest(ping("inst-1", "p-1"), ping("inst-1", "p-2"));

    assertThat(result.accepted()).isEqualTo(2);
    assertThat(result.duplicates()).isZero();
    assertThat(wal.records()).hasSize(1);
    WalRecord record = wal.records().get(0);
    assertThat(pingIds(record)).containsExactly("p-1", "p-2");
    assertThat(record.getPrincipal()).isEqualTo("alice");
    assertThat(record.getIngestNode()).isEqualTo("node-a");
    assertThat(record.getReceivedAtMicros()).isEqualTo(TimeUnit.MILLISECONDS.toMicros(NOW));
  }

  @Test
  void duplicateOfAnEarlierPingIsCountedAndOnlyNewPingsAreAppended() {
    ingest(ping("inst-1", "p-1"));

    IngestResult result = ingest(ping("inst-1", "p-2"), ping("inst-1", "p-1"), ping("inst-1", "p-3"));

    assertThat(result.accepted()).isEqualTo(2);
    assertThat(result.duplicates()).isEqualTo(1);
    assertThat(wal.records()).hasSize(2);
    assertThat(pingIds(wal.records().get(1))).containsExactly("p-2", "p-3");
  }

  @Test
  void samePingTwiceInOneBatchIsStoredOnce() {
    IngestResult result = ingest(ping("inst-1", "p-1"), ping("inst-1", "p-1"));

    assertThat(result.accepted()).isEqualTo(1);
    assertThat(result.duplicates()).isEqualTo(1);
    assertThat(pingIds(wal.records().get(0))).containsExactly("p-1");
  }

  @Test
  void batchOfOnlyDuplicatesAppendsNothingAndWaitsForABarrier() {
    ingest(ping("inst-1", "p-1"), ping("inst-1", "p-2"));

    IngestResult result = ingest(ping("inst-1", "p-2"), ping("inst-1", "p-1"));

    assertThat(result.accepted()).isZero();
    assertThat(result.duplicates()).isEqualTo(2);
    assertThat(wal.records()).hasSize(1);
    assertThat(wal.barriers()).isEqualTo(1);
  }

  @Test
  void rejectedPingsAreReportedAndNotAppended() {
    Ping invalid = TestPings.ping("inst-1", "p-bad").event("Not An Event").at(TestPings.T0).build();

    IngestResult result = ingest(ping("inst-1", "p-1"), invalid);

    assertThat(result.accepted()).isEqualTo(1);
    assertThat(result.rejected()).hasSize(1);
    assertThat(result.rejected().get(0).index()).isEqualTo(1);
    assertThat(pingIds(wal.records().get(0))).containsExactly("p-1");
  }

  @Test
  void refusedAppendFailsTheRequestAndForgetsItsPingsSoARetryIsNew() {
    wal.refuse(WalUnavailableException.Cause.DISK_RESERVE);

    Throwable failure = catchThrowable(() -> ingest(ping("inst-1", "p-1"), ping("inst-1", "p-2")));

    assertThat(failure).isInstanceOf(CompletionException.class);
    assertThat(failure.getCause()).isInstanceOfSatisfying(WalUnavailableException.class,
        e -> assertThat(e.reason()).isEqualTo(WalUnavailableException.Cause.DISK_RESERVE));
    assertThat(wal.records()).isEmpty();

    wal.accept();
    IngestResult retry = ingest(ping("inst-1", "p-1"), ping("inst-1", "p-2"));

    assertThat(retry.accepted()).isEqualTo(2);
    assertThat(retry.duplicates()).isZero();
  }

  @Test
  void refusedAppendKeepsPingsAcceptedByEarlierRequests() {
    ingest(ping("inst-1", "p-1"));
    wal.refuse(WalUnavailableException.Cause.DISK_RESERVE);
    assertThat(catchThrowable(() -> ingest(ping("inst-1", "p-1"), ping("inst-1", "p-2")))).isNotNull();
    wal.accept();

    IngestResult retry = ingest(ping("inst-1", "p-1"), ping("inst-1", "p-2"));

    assertThat(retry.accepted()).isEqualTo(1);
    assertThat(retry.duplicates()).isEqualTo(1);
    assertThat(pingIds(wal.records().get(1))).containsExactly("p-2");
  }

  @Test
  void refusedBarrierFailsABatchOfOnlyDuplicates() {
    ingest(ping("inst-1", "p-1"));
    wal.refuse(WalUnavailableException.Cause.BACKPRESSURE);

    Throwable failure = catchThrowable(() -> ingest(ping("inst-1", "p-1")));

    assertThat(failure).hasCauseInstanceOf(WalUnavailableException.class);
    wal.accept();
    assertThat(ingest(ping("inst-1", "p-1")).duplicates()).isEqualTo(1);
  }

  @Test
  void rebuildRemembersPingsReceivedWithinTheWindowOnly() {
    InMemoryWal log = new InMemoryWal();
    appendRecord(log, NOW - WINDOW.toMillis() - TimeUnit.HOURS.toMillis(2), ping("inst-1", "old"));
    appendRecord(log, NOW - TimeUnit.HOURS.toMillis(1), ping("inst-1", "recent-1"), ping("inst-2", "recent-2"));

    DedupWindow rebuilt = IngestService.rebuild(log, WINDOW, 1_000_000, NOW);
    IngestResult result = new IngestService(log, rebuilt, "node-a")
        .ingest(batch(ping("inst-1", "old"), ping("inst-1", "recent-1"), ping("inst-2", "recent-2")), "alice", NOW)
        .join();

    assertThat(rebuilt.size()).isEqualTo(3);
    assertThat(result.accepted()).isEqualTo(1);
    assertThat(result.duplicates()).isEqualTo(2);
    assertThat(pingIds(log.records().get(2))).containsExactly("old");
  }

  @Test
  void rebuildKeepsTheNewestRecordsWhenTheCapIsReached() {
    InMemoryWal log = new InMemoryWal();
    appendRecord(log, NOW - TimeUnit.HOURS.toMillis(3), ping("inst-1", "oldest"));
    appendRecord(log, NOW - TimeUnit.HOURS.toMillis(2), ping("inst-1", "middle"));
    appendRecord(log, NOW - TimeUnit.HOURS.toMillis(1), ping("inst-1", "newest"));

    DedupWindow rebuilt = IngestService.rebuild(log, WINDOW, 2, NOW);

    long[] oldest = DedupWindow.fingerprint("inst-1", "oldest");
    long[] newest = DedupWindow.fingerprint("inst-1", "newest");
    assertThat(rebuilt.markIfAbsent(newest[0], newest[1], NOW)).isFalse();
    assertThat(rebuilt.markIfAbsent(oldest[0], oldest[1], NOW)).isTrue();
  }

  @Test
  void rebuildWhoseOldestRecordCrossesTheCapKeepsTheNewestPingsUpToIt() {
    // All within one generation (one slice of the window): going over the cap would end it whole.
    InMemoryWal log = new InMemoryWal();
    appendRecord(log, NOW - 3_000, ping("inst-1", "a"), ping("inst-1", "b"), ping("inst-1", "c"));
    appendRecord(log, NOW - 2_000, ping("inst-1", "d"), ping("inst-1", "e"));
    appendRecord(log, NOW - 1_000, ping("inst-1", "f"), ping("inst-1", "g"));

    DedupWindow rebuilt = IngestService.rebuild(log, WINDOW, 5, NOW);

    assertThat(rebuilt.size()).isEqualTo(5);
    assertThat(rebuilt.evictedEarly()).isZero();
    for (String remembered : List.of("g", "f", "e", "d")) {
      long[] fp = DedupWindow.fingerprint("inst-1", remembered);
      assertThat(rebuilt.markIfAbsent(fp[0], fp[1], NOW)).as(remembered).isFalse();
    }
    long[] oldest = DedupWindow.fingerprint("inst-1", "a");
    assertThat(rebuilt.markIfAbsent(oldest[0], oldest[1], NOW)).isTrue();
  }

  @Test
  void rebuildOverARecordThatDoesNotDecodeFailsNamingItsPosition() {
    InMemoryWal log = new InMemoryWal();
    for (int r = 0; r < 600; r++) {
      appendRecord(log, NOW - TimeUnit.SECONDS.toMillis(1), ping("inst-1", "p-" + r));
      if (r == 100) {
        log.append(new byte[] {(byte) 0xFF, 1, 2});
      }
    }

    assertThatThrownBy(() -> IngestService.rebuild(log, WINDOW, 1_000_000, NOW))
        .isInstanceOf(WalCorruptException.class)
        .hasMessageContaining("position 101");
  }

  @Test
  void rebuildOfAnEmptyLogRemembersNothing() {
    assertThat(IngestService.rebuild(new InMemoryWal(), WINDOW, 1_000, NOW).size()).isZero();
  }
}
