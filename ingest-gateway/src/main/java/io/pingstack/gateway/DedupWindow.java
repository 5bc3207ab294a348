package io.pingstack.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * Which {@code (instance_id, ping_id)} pairs were accepted recently, as 128-bit fingerprints in
 * time-sliced generations. A pair is remembered for the configured window, or until the entry cap
 * forces its generation out early (counted in {@link #evictedEarly()}). Memory is bounded by the
 * cap: about 24 bytes per entry. Thread-safe; callers that must order marking with something else
 * hold {@link #lock()}.
 */
final class DedupWindow {
  private static final int SLICES = 24;
  private static final long SEED = 0x9E3779B97F4A7C15L;

  private final long sliceMillis;
  private final long windowMillis;
  private final long maxEntries;
  private final ArrayDeque<Generation> generations = new ArrayDeque<>();
  private long size;
  private long evictedEarly;

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

  /** The fingerprint of one pair: two longs, the first never zero. */
  static long[] fingerprint(String instanceId, String pingId) {
    byte[] instance = instanceId.getBytes(StandardCharsets.UTF_8);
    byte[] ping = pingId.getBytes(StandardCharsets.UTF_8);
    return fingerprint(instance, 0, instance.length, ping, 0, ping.length);
  }

  /** The same fingerprint, from the ids' UTF-8 bytes. */
  static long[] fingerprint(byte[] instance, int instanceOffset, int instanceLength, byte[] ping, int pingOffset, int pingLength) {
    // Length-prefixed, not separated: ids may contain any character, NUL included.
    byte[] key = new byte[4 + instanceLength + pingLength];
    ByteBuffer.wrap(key).putInt(instanceLength).put(instance, instanceOffset, instanceLength).put(ping, pingOffset, pingLength);
    long[] h = MurmurHash3.hash(key, SEED);
    if (h[0] == 0) {
      h[0] = 1;
    }
    return h;
  }

  /** Remembers the pair at {@code atMillis} unless it is already remembered; returns true when it was new. */
  synchronized boolean markIfAbsent(long hi, long lo, long atMillis) {
    expire(atMillis);
    for (Generation g : generations) {
      if (g.contains(hi, lo)) {
        return false;
      }
    }
    current(atMillis).add(hi, lo);
    size++;
    if (size > maxEntries) {
      Generation oldest = generations.removeFirst();
      size -= oldest.size;
      evictedEarly += oldest.size;
    }
    return true;
  }

  /** Forgets a pair marked by a request that was then refused, so that its retry is not a duplicate. */
  synchronized void unmark(long hi, long lo) {
    for (Generation g : generations) {
      if (g.remove(hi, lo)) {
        size--;
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

  private Generation current(long atMillis) {
    long slice = atMillis / sliceMillis;
    Generation last = generations.peekLast();
    if (last == null || last.slice < slice) {
      last = new Generation(slice);
      generations.addLast(last);
    }
    // A pair stamped before the newest slice (clock step, rebuild order) joins the newest: it then lives slightly longer.
    return last;
  }

  private void expire(long nowMillis) {
    long oldestKept = (nowMillis - windowMillis) / sliceMillis;
    Iterator<Generation> it = generations.iterator();
    while (it.hasNext()) {
      Generation g = it.next();
      if (g.slice >= oldestKept) {
        return;
      }
      size -= g.size;
      it.remove();
    }
  }

  /** An open-addressing set of fingerprints; removal leaves a tombstone (0, -1); no fingerprint has a zero first half. */
  private static final class Generation {
    private static final long TOMBSTONE_LO = -1L;
    final long slice;
    long[] table = new long[2 * 1024];
    int size;
    int used;

    Generation(long slice) {
      this.slice = slice;
    }

    boolean contains(long hi, long lo) {
      return find(hi, lo) >= 0;
    }

    boolean remove(long hi, long lo) {
      int at = find(hi, lo);
      if (at < 0) {
        return false;
      }
      table[at] = 0;
      table[at + 1] = TOMBSTONE_LO;
      size--;
      return true;
    }

    void add(long hi, long lo) {
      if ((used + 1) * 3L > (table.length / 2) * 2L) {
        rehash(size * 3L > table.length / 2 ? table.length * 2 : table.length);
      }
      int slots = table.length / 2;
      int i = (int) (mix(hi, lo) & (slots - 1));
      while (!(table[2 * i] == 0 && table[2 * i + 1] == 0)) {
        i = (i + 1) & (slots - 1);
      }
      table[2 * i] = hi;
      table[2 * i + 1] = lo;
      size++;
      used++;
    }

    private int find(long hi, long lo) {
      int slots = table.length / 2;
      int i = (int) (mix(hi, lo) & (slots - 1));
      while (true) {
        long h = table[2 * i];
        long l = table[2 * i + 1];
        if (h == hi && l == lo) {
          return 2 * i;
        }
        if (h == 0 && l == 0) {
          return -1;
        }
        i = (i + 1) & (slots - 1);
      }
    }

    private void rehash(int newLength) {
      long[] old = table;
      table = new long[newLength];
      size = 0;
      used = 0;
      for (int i = 0; i < old.length; i += 2) {
        boolean empty = old[i] == 0 && (old[i + 1] == 0 || old[i + 1] == TOMBSTONE_LO);
        if (!empty) {
          add(old[i], old[i + 1]);
        }
      }
    }

    private static long mix(long hi, long lo) {
      return hi ^ (lo >>> 17);
    }
  }
}
