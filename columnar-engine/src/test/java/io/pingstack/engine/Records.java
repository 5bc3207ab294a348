package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.WalConfig;
import io.pingstack.wal.WalMetrics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Fixtures: WAL records of test pings, a real log in a temp dir, and waiting on a condition. */
public final class Records {
  public static final long RECEIVED_AT = TimeUnit.MILLISECONDS.toMicros(TestPings.T0.toEpochMilli());

  private Records() {}

  public static WalRecord record(Ping... pings) {
    return record(RECEIVED_AT, pings);
  }

  public static WalRecord record(long receivedAtMicros, Ping... pings) {
    return WalRecord.newBuilder()
        .setReceivedAtMicros(receivedAtMicros)
        .setIngestNode("node-1")
        .setPrincipal("anonymous")
        .addAllPings(Arrays.asList(pings))
        .build();
  }

  /** {@code count} pings of instance {@code inst}, ids {@code <prefix>-0..}, one second apart from T0. */
  public static Ping[] pings(String prefix, int count) {
    Ping[] pings = new Ping[count];
    for (int i = 0; i < count; i++) {
      pings[i] = TestPings.ping("inst-" + (i % 3), prefix + "-" + i)
          .at(TestPings.T0.plusSeconds(i))
          .metric("duration_ms", i * 1.5)
          .dimension("lang", i % 2 == 0 ? "go" : "java")
          .build();
    }
    return pings;
  }

  public static Ping at(String pingId, Instant timestamp) {
    return TestPings.ping("inst-1", pingId).at(timestamp).build();
  }

  public static Wal openWal(Path dir) {
    return ChronicleWal.open(WalConfig.defaults(dir).withDiskReserveBytes(0).withSync(WalConfig.Sync.NONE), WalMetrics.NOOP);
  }

  public static long append(Wal wal, WalRecord record) throws Exception {
    return wal.append(record.toByteArray()).get(10, TimeUnit.SECONDS);
  }

  /** Every WAL record appended, as entries with their positions. */
  public static List<WalReader.Entry> entries(long firstPosition, WalRecord... records) {
    List<WalReader.Entry> entries = new ArrayList<>();
    for (int i = 0; i < records.length; i++) {
      entries.add(new WalReader.Entry(firstPosition + i, records[i]));
    }
    return entries;
  }

  /** Ids of every ping of {@code records}, in order. */
  public static List<String> pingIds(List<WalRecord> records) {
    List<String> ids = new ArrayList<>();
    for (WalRecord record : records) {
      record.getPingsList().forEach(p -> ids.add(p.getPingId()));
    }
    return ids;
  }

  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waiting for: " + what).isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }
}
