package io.pingstack.gateway;

import io.pingstack.model.DecodedBatch;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalRecordIds;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns validated pings into one WAL record and answers only after it is durable. Deduplication
 * happens here, before the log: a ping already accepted within the window is acknowledged as a
 * duplicate and not written again.
 *
 * <p>Marking a request's pings and enqueueing its record happen under one lock, so the log holds
 * records in marking order. A duplicate therefore never outruns its original: a request whose
 * pings were all duplicates waits for a {@link Wal#barrier()} queued behind every earlier record.
 *
 * <p>{@link #open} rebuilds the window from the log, which reads up to {@code dedup.max_entries}
 * pings: the server opens this before it starts its WAL consumers, so that the rebuild, which the
 * service's readiness waits for, does not share the two cores with their catch-up.
 */
public final class IngestService {
  private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

  private final Wal wal;
  private final DedupWindow dedup;
  private final String node;

  IngestService(Wal wal, DedupWindow dedup, String node) {
    this.wal = wal;
    this.dedup = dedup;
    this.node = node;
  }

  /** The service over {@code wal}, its dedup window rebuilt from what the log received within the window. */
  public static IngestService open(Wal wal, GatewayConfig config) {
    Objects.requireNonNull(wal, "wal");
    DedupWindow dedup = rebuild(wal, config.dedupWindow(), config.dedupMaxEntries(), System.currentTimeMillis());
    return new IngestService(wal, dedup, config.node());
  }

  long dedupEntries() {
    return dedup.size();
  }

  long dedupEvictedEarly() {
    return dedup.evictedEarly();
  }

  CompletableFuture<IngestResult> ingest(DecodedBatch batch, String principal, long receivedAtMillis) {
    List<Ping> valid = batch.valid();
    long[][] fingerprints = new long[valid.size()][];
    for (int i = 0; i < valid.size(); i++) {
      Ping ping = valid.get(i);
      fingerprints[i] = DedupWindow.fingerprint(ping.getInstanceId(), ping.getPingId());
    }
    WalRecord header = WalRecord.newBuilder()
        .setReceivedAtMicros(TimeUnit.MILLISECONDS.toMicros(receivedAtMillis))
        .setIngestNode(node)
        .setPrincipal(principal)
        .build();
    // Encoded outside the lock on the assumption that nothing is a duplicate, the common case.
    byte[] allNew = batch.encodeRecord(header, null);
    boolean[] fresh = new boolean[valid.size()];
    int accepted = 0;
    CompletableFuture<Long> durable;
    synchronized (dedup.lock()) {
      for (int i = 0; i < valid.size(); i++) {
        fresh[i] = dedup.markIfAbsent(fingerprints[i][0], fingerprints[i][1], receivedAtMillis);
        accepted += fresh[i] ? 1 : 0;
      }
      if (accepted == 0) {
        durable = wal.barrier();
      } else if (accepted == valid.size()) {
        durable = wal.append(allNew);
      } else {
        durable = wal.append(batch.encodeRecord(header, fresh));
      }
    }
    int stored = accepted;
    int duplicates = valid.size() - accepted;
    return durable.handle((position, error) -> {
      if (error != null) {
        unmark(fingerprints, fresh);
        throw error instanceof RuntimeException re ? re : new IllegalStateException(error);
      }
      return new IngestResult(stored, duplicates, batch.rejected());
    });
  }

  private void unmark(long[][] fingerprints, boolean[] fresh) {
    for (int i = 0; i < fingerprints.length; i++) {
      if (fresh[i]) {
        dedup.unmark(fingerprints[i][0], fingerprints[i][1]);
      }
    }
  }

  /**
   * Refills the window from the newest log records received within it (newest first, up to the
   * window's entry cap), so that a restart does not forget what was accepted.
   */
  static DedupWindow rebuild(Wal wal, Duration window, long maxEntries, long nowMillis) {
    DedupWindow dedup = new DedupWindow(window, maxEntries);
    long since = nowMillis - window.toMillis();
    Fingerprints found = new Fingerprints();
    long start = System.nanoTime();
    try (WalReader reader = wal.readerFromEnd()) {
      for (WalReader.RawEntry entry = reader.nextRaw(); entry != null && found.size < maxEntries; entry = reader.nextRaw()) {
        int first = found.size;
        long received = TimeUnit.MICROSECONDS.toMillis(WalRecordIds.read(entry.position(), entry.bytes(), found));
        if (received < since) {
          found.size = first;
          break;
        }
        java.util.Arrays.fill(found.times, first, found.size, received);
      }
    }
    int n = found.size;
    long[] his = found.his;
    long[] los = found.los;
    long[] times = found.times;
    for (int i = n - 1; i >= 0; i--) {
      dedup.markIfAbsent(his[i], los[i], times[i]);
    }
    LOG.info("dedup window rebuilt from the WAL: {} pings received since {} in {} ms",
        n, java.time.Instant.ofEpochMilli(since), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    return dedup;
  }

  /** Fingerprints of the pings read from the log, newest record first, and when each was received. */
  private static final class Fingerprints implements WalRecordIds.Visitor {
    long[] his = new long[1024];
    long[] los = new long[1024];
    long[] times = new long[1024];
    int size;

    @Override
    public void ping(byte[] record, int instanceOffset, int instanceLength, int pingIdOffset, int pingIdLength) {
      if (size == his.length) {
        his = java.util.Arrays.copyOf(his, size * 2);
        los = java.util.Arrays.copyOf(los, size * 2);
        times = java.util.Arrays.copyOf(times, size * 2);
      }
      long[] fp = DedupWindow.fingerprint(record, instanceOffset, instanceLength, record, pingIdOffset, pingIdLength);
      his[size] = fp[0];
      los[size] = fp[1];
      size++;
    }
  }
}
