package io.pingstack.gateway;

import io.pingstack.model.DecodedBatch;
import io.pingstack.model.RecordBuffer;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalRecordIds;
import io.pingstack.model.proto.WalRecord;
import java.time.Duration;
import java.util.Arrays;
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
    int count = batch.validCount();
    long[] his = new long[count];
    long[] los = new long[count];
    DedupWindow.Hasher hasher = new DedupWindow.Hasher();
    batch.visitIds((i, instanceId, instanceIdOffset, instanceIdLength, pingId, pingIdOffset, pingIdLength) -> {
      long[] fp = hasher.fingerprint(instanceId, instanceIdOffset, instanceIdLength, pingId, pingIdOffset, pingIdLength);
      his[i] = fp[0];
      los[i] = fp[1];
    });
    dedup.warm(his, los, count);
    WalRecord header = WalRecord.newBuilder()
        .setReceivedAtMicros(TimeUnit.MILLISECONDS.toMicros(receivedAtMillis))
        .setIngestNode(node)
        .setPrincipal(principal)
        .build();
    // Encoded (and compressed, as the log stores it) outside the lock on the assumption that nothing
    // is a duplicate, the common case.
    byte[] allNew = wal.encode(batch.encodeRecord(header, null));
    boolean[] fresh = new boolean[count];
    int accepted = 0;
    CompletableFuture<Long> durable;
    synchronized (dedup.lock()) {
      for (int i = 0; i < count; i++) {
        fresh[i] = dedup.markIfAbsent(his[i], los[i], receivedAtMillis);
        accepted += fresh[i] ? 1 : 0;
      }
      if (accepted == 0) {
        durable = wal.barrier();
      } else if (accepted == count) {
        durable = wal.appendEncoded(allNew);
      } else {
        durable = wal.append(batch.encodeRecord(header, fresh));
      }
    }
    int stored = accepted;
    int duplicates = count - accepted;
    return durable.handle((position, error) -> {
      if (error != null) {
        unmark(his, los, fresh);
        throw error instanceof RuntimeException re ? re : new IllegalStateException(error);
      }
      return new IngestResult(stored, duplicates, batch.rejected());
    });
  }

  private void unmark(long[] his, long[] los, boolean[] fresh) {
    for (int i = 0; i < his.length; i++) {
      if (fresh[i]) {
        dedup.unmark(his[i], los[i]);
      }
    }
  }

  /**
   * Refills the window from the newest log records received within it (newest first, up to the
   * window's entry cap), so that a restart does not forget what was accepted. Reading allocates
   * nothing per record or ping, and the table is sized once: a start rebuilds millions of pairs, and
   * first-touching fresh memory, not the hashing, was most of its time.
   */
  static DedupWindow rebuild(Wal wal, Duration window, long maxEntries, long nowMillis) {
    long since = nowMillis - window.toMillis();
    long start = System.nanoTime();
    Fingerprints found = new Fingerprints();
    RecordBuffer record = new RecordBuffer();
    try (WalReader reader = wal.readerFromEnd()) {
      for (long position = reader.nextInto(record); position != Wal.NONE && found.pings < maxEntries;
          position = reader.nextInto(record)) {
        long received = TimeUnit.MICROSECONDS.toMillis(WalRecordIds.read(position, record.bytes(), record.length(), found));
        if (received < since) {
          found.dropRecord();
          break;
        }
        found.endRecord(received);
      }
    }
    DedupWindow dedup = new DedupWindow(window, maxEntries);
    long kept = Math.min(found.pings, maxEntries);
    dedup.reserve(kept);
    found.markOldestFirst(dedup, kept);
    LOG.info("dedup window rebuilt from the WAL: {} pings received since {} in {} ms",
        kept, java.time.Instant.ofEpochMilli(since), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    return dedup;
  }

  /**
   * The fingerprints of the pings read from the log, newest record first (each record's pings in
   * their order), in blocks that are filled once and never copied, and when each record was received.
   */
  private static final class Fingerprints implements WalRecordIds.Visitor {
    private static final int BLOCK_SHIFT = 15;
    private static final int BLOCK = 1 << BLOCK_SHIFT;
    private final DedupWindow.Hasher hasher = new DedupWindow.Hasher();
    /** Pair {@code i} is {@code blocks[i / BLOCK][2 * (i % BLOCK)]} and the long after it. */
    private long[][] blocks = new long[16][];
    private int[] counts = new int[1024];
    private long[] times = new long[1024];
    private int records;
    private long recordStart;
    long pings;

    @Override
    public void ping(byte[] record, int instanceOffset, int instanceLength, int pingIdOffset, int pingIdLength) {
      long[] fp = hasher.fingerprint(record, instanceOffset, instanceLength, record, pingIdOffset, pingIdLength);
      int block = (int) (pings >>> BLOCK_SHIFT);
      if (block == blocks.length) {
        blocks = Arrays.copyOf(blocks, 2 * blocks.length);
      }
      if (blocks[block] == null) {
        blocks[block] = new long[2 * BLOCK];
      }
      int at = 2 * (int) (pings & (BLOCK - 1));
      blocks[block][at] = fp[0];
      blocks[block][at + 1] = fp[1];
      pings++;
    }

    /** Forgets the pings visited since the last {@link #endRecord}: their record is outside the window. */
    void dropRecord() {
      pings = recordStart;
    }

    /** The pings visited since the last call were one record's, received at {@code receivedAtMillis}. */
    void endRecord(long receivedAtMillis) {
      if (records == counts.length) {
        counts = Arrays.copyOf(counts, 2 * records);
        times = Arrays.copyOf(times, 2 * records);
      }
      counts[records] = (int) (pings - recordStart);
      times[records] = receivedAtMillis;
      records++;
      recordStart = pings;
    }

    /**
     * Marks the newest {@code kept} pings in {@code dedup}, oldest first, as they were received.
     * Only the oldest record can hold pings past {@code kept}: reading stopped once it was reached.
     * Those are left out rather than marked, as marking past the cap would end a whole generation.
     */
    void markOldestFirst(DedupWindow dedup, long kept) {
      synchronized (dedup.lock()) {
        long end = pings;
        for (int r = records - 1; r >= 0; r--) {
          long first = end - counts[r];
          long from = r == records - 1 ? first + (pings - kept) : first; // the oldest record's first pings left out
          for (long i = from; i < end; i++) {
            long[] block = blocks[(int) (i >>> BLOCK_SHIFT)];
            int at = 2 * (int) (i & (BLOCK - 1));
            dedup.markIfAbsent(block[at], block[at + 1], times[r]);
          }
          end = first;
        }
      }
    }
  }
}
