package io.pingstack.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.memory.MurmurHash3v2;

/**
 * Which {@code (instance_id, ping_id)} pairs were accepted recently, as fingerprints (108 of
 * their 128 bits kept) in time-sliced generations. A pair is remembered for the configured window, or until the entry cap
 * forces its generation out early (counted in {@link #evictedEarly()}). Thread-safe; callers that
 * must order marking with something else hold {@link #lock()}.
 *
 * <p>Every pair of every generation lives in ONE open-addressing table, tagged with its generation,
 * so a lookup is one probe sequence whatever the number of generations. (A table per generation
 * cost one cache miss per generation: 4.5 µs per new ping with a full window of 24, against 0.6 µs
 * with one.) A generation ends by moving the live range of generation numbers; its entries stay in
 * the table as dead slots that new pairs reuse, and a rebuild that keeps only live pairs runs when
 * the table is three-quarters full. Memory is bounded by the cap: the table holds at most about
 * twice {@code maxEntries} slots of 16 bytes after a rebuild (about 24-32 bytes per entry).
 */
final class DedupWindow {
  private static final int SLICES = 24;
  private static final long SEED = 0x9E3779B97F4A7C15L;
  /** The low bits of a slot's second half hold its generation number, modulo 2^20. */
  private static final int GEN_BITS = 20;
  private static final long GEN_MASK = (1L << GEN_BITS) - 1;
  /** More than the live generations can ever number (SLICES + 1). */
  private static final int RING = 64;
  private static final long TOMBSTONE = -1L;
  private static final int MIN_SLOTS = 1024;

  private final long sliceMillis;
  private final long windowMillis;
  private final long maxEntries;
  /** Pairs: {@code table[2i]} the fingerprint's first half (0: no pair), {@code table[2i + 1]} its second with the generation in the low bits. */
  private long[] table = new long[2 * MIN_SLOTS];
  /** Slots that are not empty (live, dead or tombstones): what the load factor counts. */
  private int used;
  /** Generations {@code oldestGen..newestGen} are live; none while {@code oldestGen > newestGen}. */
  private long oldestGen = 1;
  private long newestGen;
  private final long[] genSlice = new long[RING];
  private final long[] genSize = new long[RING];
  /** {@link #newestGen} at the last rebuild: a slot's generation number wraps after 2^20, so rebuilds come sooner. */
  private long rebuiltAtGen;
  private long size;
  private long evictedEarly;
  /** What {@link #warm} last read; nothing else reads it. */
  @SuppressWarnings("unused")
  private long warmed;

  DedupWindow(Duration window, long maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("dedup.max_entries must be positive: " + maxEntries);
    }
    this.windowMillis = window.toMillis();
    this.sliceMillis = Math.max(1, windowMillis / SLICES);
    this.maxEntries = maxEntries;
  }

  Object lock() {
    return this;
  }

  /** The fingerprint of one pair (of the ids' UTF-8 bytes): two longs, the first never zero. */
  static long[] fingerprint(String instanceId, String pingId) {
    byte[] instance = instanceId.getBytes(StandardCharsets.UTF_8);
    byte[] ping = pingId.getBytes(StandardCharsets.UTF_8);
    return new Hasher().fingerprint(instance, 0, instance.length, ping, 0, ping.length);
  }

  /**
   * Computes fingerprints in arrays of its own that it reuses from pair to pair, so that it
   * allocates nothing per pair: the rebuild at start fingerprints millions. Not thread-safe.
   */
  static final class Hasher {
    private byte[] key = new byte[64];
    private Memory keyView = Memory.wrap(key);
    private final long[] hash = new long[2];

    /** The pair's fingerprint, in an array this hasher overwrites at its next call. */
    long[] fingerprint(byte[] instance, int instanceOffset, int instanceLength, byte[] ping, int pingOffset, int pingLength) {
      // Length-prefixed, not separated: ids may contain any character, NUL included.
      int length = 4 + instanceLength + pingLength;
      if (key.length < length) {
        key = new byte[Math.max(length, 2 * key.length)];
        keyView = Memory.wrap(key);
      }
      key[0] = (byte) (instanceLength >>> 24);
      key[1] = (byte) (instanceLength >>> 16);
      key[2] = (byte) (instanceLength >>> 8);
      key[3] = (byte) instanceLength;
      System.arraycopy(instance, instanceOffset, key, 4, instanceLength);
      System.arraycopy(ping, pingOffset, key, 4 + instanceLength, pingLength);
      MurmurHash3v2.hash(keyView, 0, length, SEED, hash);
      if (hash[0] == 0) {
        hash[0] = 1;
      }
      return hash;
    }
  }

  /**
   * Reads the first slot each of {@code count} pairs would probe, without the lock, so that the
   * cache misses of a batch overlap instead of coming one at a time under the lock: in a table of
   * millions of slots each probe is a miss (and a TLB miss), and the CPU can wait for several
   * independent loads at once but not for the loads of {@link #markIfAbsent}, each behind the last
   * one's branches. Changes nothing; reading a table that a resize is replacing only warms the
   * wrong lines.
   */
  void warm(long[] his, long[] los, int count) {
    long[] t = table;
    int mask = t.length / 2 - 1;
    long seen = 0;
    for (int i = 0; i < count; i++) {
      seen += t[2 * home(his[i], los[i] & ~GEN_MASK, mask)];
    }
    warmed = seen; // kept, so that the compiler cannot drop the loads
  }

  /** Remembers the pair at {@code atMillis} unless it is already remembered; returns true when it was new. */
  synchronized boolean markIfAbsent(long hi, long lo, long atMillis) {
    expire(atMillis);
    long gen = current(atMillis);
    long key = lo & ~GEN_MASK;
    int mask = table.length / 2 - 1;
    int reusable = -1;
    int i = home(hi, key, mask);
    while (true) {
      long h = table[2 * i];
      long l = table[2 * i + 1];
      if (h == hi && (l & ~GEN_MASK) == key) {
        if (live(l)) {
          return false;
        }
        reusable = i;
        break;
      }
      if (h == 0 && l == 0) {
        break;
      }
      if (reusable < 0 && (h == 0 || !live(l))) {
        reusable = i; // a tombstone or a pair of an ended generation: the new pair may take its place
      }
      i = (i + 1) & mask;
    }
    if (reusable < 0) {
      reusable = i;
      used++;
    }
    table[2 * reusable] = hi;
    table[2 * reusable + 1] = key | (gen & GEN_MASK);
    genSize[ring(gen)]++;
    size++;
    while (size > maxEntries) {
      long dropped = genSize[ring(oldestGen)];
      endOldest();
      evictedEarly += dropped;
    }
    if (used * 4L > table.length / 2 * 3L) {
      rebuild();
    }
    return true;
  }

  /** Forgets a pair marked by a request that was then refused, so that its retry is not a duplicate. */
  synchronized void unmark(long hi, long lo) {
    long key = lo & ~GEN_MASK;
    int mask = table.length / 2 - 1;
    for (int i = home(hi, key, mask); ; i = (i + 1) & mask) {
      long h = table[2 * i];
      long l = table[2 * i + 1];
      if (h == hi && (l & ~GEN_MASK) == key) {
        if (live(l)) {
          genSize[ring(generationOf(l))]--;
          size--;
          table[2 * i] = 0;
          table[2 * i + 1] = TOMBSTONE;
        }
        return;
      }
      if (h == 0 && l == 0) {
        return;
      }
    }
  }

  synchronized long size() {
    return size;
  }

  synchronized long evictedEarly() {
    return evictedEarly;
  }

  /** Slots in the table (live, dead, tombstones and empty): its memory is 16 bytes each. */
  synchronized int slots() {
    return table.length / 2;
  }

  /** The live generation new pairs at {@code atMillis} join: the newest, or a new one when its slice has passed. */
  private long current(long atMillis) {
    long slice = atMillis / sliceMillis;
    if (oldestGen > newestGen || genSlice[ring(newestGen)] < slice) {
      newestGen++;
      if (newestGen - oldestGen >= RING) {
        endOldest(); // unreachable while slices are hours of a 24-slice window; keeps the ring sound regardless
      }
      genSlice[ring(newestGen)] = slice;
      genSize[ring(newestGen)] = 0;
      if (newestGen - rebuiltAtGen >= 1L << (GEN_BITS - 1)) {
        rebuild(); // before any dead slot's number could pass for a live generation's
      }
    }
    // A pair stamped before the newest slice (clock step, rebuild order) joins the newest: it then lives slightly longer.
    return newestGen;
  }

  private void expire(long nowMillis) {
    long oldestKept = (nowMillis - windowMillis) / sliceMillis;
    while (oldestGen <= newestGen && genSlice[ring(oldestGen)] < oldestKept) {
      endOldest();
    }
  }

  private void endOldest() {
    size -= genSize[ring(oldestGen)];
    genSize[ring(oldestGen)] = 0;
    oldestGen++;
  }

  /** True when the slot's generation is live; its pair is then remembered. */
  private boolean live(long second) {
    long age = (newestGen - second) & GEN_MASK;
    return oldestGen <= newestGen && age <= newestGen - oldestGen;
  }

  private long generationOf(long second) {
    return newestGen - ((newestGen - second) & GEN_MASK);
  }

  /**
   * Makes room for {@code pairs} more pairs at once, so that marking them never grows the table
   * step by step (each step a new table, whose first touch is what costs on these VMs).
   */
  synchronized void reserve(long pairs) {
    long room = Math.min(size + pairs, maxEntries);
    if (2 * room + 2 > table.length / 2) {
      resize(room);
    }
  }

  /** Keeps only live pairs, in a table of at least twice as many slots. */
  private void rebuild() {
    resize(size);
  }

  /** Keeps only live pairs, in a table of at least twice {@code pairs} slots. */
  private void resize(long pairs) {
    long[] old = table;
    int slots = MIN_SLOTS;
    while (slots < 2 * pairs + 2) {
      slots *= 2;
    }
    table = new long[2 * slots];
    used = 0;
    rebuiltAtGen = newestGen;
    int mask = slots - 1;
    for (int j = 0; j < old.length; j += 2) {
      long h = old[j];
      long l = old[j + 1];
      if (h != 0 && live(l)) {
        int i = home(h, l & ~GEN_MASK, mask);
        while (table[2 * i] != 0) {
          i = (i + 1) & mask;
        }
        table[2 * i] = h;
        table[2 * i + 1] = l;
        used++;
      }
    }
  }

  private static int ring(long gen) {
    return (int) (gen & (RING - 1));
  }

  private static int home(long hi, long key, int mask) {
    return (int) ((hi ^ (key >>> 29)) & mask);
  }
}
