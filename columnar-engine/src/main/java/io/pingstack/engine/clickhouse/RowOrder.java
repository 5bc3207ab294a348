package io.pingstack.engine.clickhouse;

import java.io.InputStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The order of an INSERT's rows by the table's sorting key {@code (event, instance_id, timestamp)},
 * read from their RowBinary bytes. ClickHouse sorts every inserted block by that key before it
 * writes the part, unless the block is already in order (its MergeTree writer checks first, 18.16
 * included): rows sent in key order spare the server that sort, which was half of its insert
 * thread's CPU here (docs/BENCHMARKS.md). The order is ClickHouse's: strings by their bytes
 * unsigned, a prefix before the longer string; the timestamp as a signed 64-bit number (Int64 of
 * microseconds on 18.16, DateTime64(6) on modern servers). Were a row ever ordered otherwise, the
 * server would sort the block as before: only its CPU depends on this, never what is stored.
 *
 * <p>The rows are ranked, not compared: each distinct event and instance id gets its rank among
 * the INSERT's distinct values (hashed once per row, sorted as distinct values), and one sort of
 * primitive keys (event rank, instance rank, row) orders the rows; rows that share an event and an
 * instance, already in timestamp order as a rule, are put in it where they are not. Memory: about
 * 40 bytes per row, during the call.
 */
final class RowOrder {
  private static final int INDEX_BITS = 21;
  private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
  /** Rows beyond this many go in the order they came (never reached: INSERTs hold at most ~1M). */
  static final int MAX_ROWS = 1 << INDEX_BITS;
  /** Rows sharing an event and an instance are put in timestamp order by insertion up to this many. */
  private static final int INSERTION_SORT_MAX = 24;

  private RowOrder() {}

  /**
   * Rows {@code from} (inclusive) to {@code to} of {@code chunk} in key order: the indices of the
   * chunk's rows, each once.
   */
  static int[] of(RowChunks.Chunk chunk, int from, int to) {
    int n = to - from;
    int[] order = new int[n];
    if (n >= MAX_ROWS) {
      Arrays.setAll(order, i -> from + i);
      return order;
    }
    byte[] bytes = chunk.array();
    Distinct events = new Distinct(bytes);
    Distinct instances = new Distinct(bytes);
    int[] event = new int[n];
    int[] instance = new int[n];
    long[] timestamp = new long[n];
    // Each row as RowChunks.write lays it out (PingTable.LEADING): wal_position, received_at,
    // ingest_node, ping_id, instance_id, timestamp, event, ...
    for (int i = 0; i < n; i++) {
      int at = chunk.offset(from + i) + 2 * Long.BYTES; // wal_position, received_at
      at = RowChunks.skipString(bytes, RowChunks.skipString(bytes, at)); // ingest_node, ping_id
      int length = RowChunks.length(bytes, at);
      at += RowChunks.lengthSize(length);
      instance[i] = instances.id(at, length);
      at += length;
      timestamp[i] = RowChunks.int64(bytes, at);
      at += Long.BYTES;
      length = RowChunks.length(bytes, at);
      event[i] = events.id(at + RowChunks.lengthSize(length), length);
    }
    int[] eventRank = events.ranks();
    int[] instanceRank = instances.ranks();
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      keys[i] = (long) eventRank[event[i]] << (2 * INDEX_BITS) | (long) instanceRank[instance[i]] << INDEX_BITS | i;
    }
    Arrays.sort(keys);
    for (int start = 0; start < n; ) {
      int end = start + 1;
      while (end < n && keys[end] >>> INDEX_BITS == keys[start] >>> INDEX_BITS) {
        end++;
      }
      if (end - start > 1) {
        byTimestamp(keys, start, end, timestamp);
      }
      start = end;
    }
    for (int i = 0; i < n; i++) {
      order[i] = from + (int) (keys[i] & INDEX_MASK);
    }
    return order;
  }

  /** Puts {@code keys[start..end)}, which share an event and an instance, in timestamp order. */
  private static void byTimestamp(long[] keys, int start, int end, long[] timestamp) {
    if (end - start <= INSERTION_SORT_MAX) {
      // One pass, no moves, when the run is in order already (the rule).
      for (int i = start + 1; i < end; i++) {
        long key = keys[i];
        long t = timestamp[(int) (key & INDEX_MASK)];
        int j = i - 1;
        while (j >= start && timestamp[(int) (keys[j] & INDEX_MASK)] > t) {
          keys[j + 1] = keys[j];
          j--;
        }
        keys[j + 1] = key;
      }
      return;
    }
    boolean sorted = true;
    for (int i = start + 1; i < end && sorted; i++) {
      sorted = timestamp[(int) (keys[i - 1] & INDEX_MASK)] <= timestamp[(int) (keys[i] & INDEX_MASK)];
    }
    if (sorted) {
      return;
    }
    Long[] run = new Long[end - start];
    for (int i = 0; i < run.length; i++) {
      run[i] = keys[start + i];
    }
    Arrays.sort(run, Comparator.comparingLong(key -> timestamp[(int) (key & INDEX_MASK)]));
    for (int i = 0; i < run.length; i++) {
      keys[start + i] = run[i];
    }
  }

  /**
   * The distinct strings of one column of the rows, each lying in the chunk's bytes: an id per
   * distinct value in order of first sight, found by its CRC32C in an open-addressing table.
   */
  private static final class Distinct {
    private final byte[] bytes;
    private final CRC32C crc = new CRC32C();
    private int[] slots = new int[64]; // id + 1, or 0
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];
    private int[] hashes = new int[16];
    private int size;

    Distinct(byte[] bytes) {
      this.bytes = bytes;
    }

    int id(int offset, int length) {
      crc.reset();
      crc.update(bytes, offset, length);
      int hash = (int) crc.getValue() * 0x9E3779B9;
      int mask = slots.length - 1;
      for (int slot = hash >>> 7 & mask; ; slot = slot + 1 & mask) {
        int id = slots[slot] - 1;
        if (id < 0) {
          return add(slot, offset, length, hash);
        }
        if (hashes[id] == hash && Arrays.equals(bytes, offsets[id], offsets[id] + lengths[id], bytes, offset, offset + length)) {
          return id;
        }
      }
    }

    private int add(int slot, int offset, int length, int hash) {
      if (size == offsets.length) {
        offsets = Arrays.copyOf(offsets, size * 2);
        lengths = Arrays.copyOf(lengths, size * 2);
        hashes = Arrays.copyOf(hashes, size * 2);
      }
      int id = size++;
      offsets[id] = offset;
      lengths[id] = length;
      hashes[id] = hash;
      slots[slot] = id + 1;
      if (2 * size > slots.length) {
        grow();
      }
      return id;
    }

    private void grow() {
      slots = new int[slots.length * 2];
      int mask = slots.length - 1;
      for (int id = 0; id < size; id++) {
        int slot = hashes[id] >>> 7 & mask;
        while (slots[slot] != 0) {
          slot = slot + 1 & mask;
        }
        slots[slot] = id + 1;
      }
    }

    /** Each id's rank among the distinct values in ClickHouse's string order. */
    int[] ranks() {
      Integer[] ids = new Integer[size];
      Arrays.setAll(ids, id -> id);
      Arrays.sort(ids, (a, b) -> Arrays.compareUnsigned(bytes, offsets[a], offsets[a] + lengths[a], bytes, offsets[b],
          offsets[b] + lengths[b]));
      int[] ranks = new int[size];
      for (int rank = 0; rank < size; rank++) {
        ranks[ids[rank]] = rank;
      }
      return ranks;
    }
  }

  /** The rows {@code order} of {@code chunk}, one after another, as one stream. */
  static InputStream stream(RowChunks.Chunk chunk, int[] order) {
    return new InputStream() {
      private int next;
      private int at;
      private int end;

      @Override
      public int read() {
        if (!advance()) {
          return -1;
        }
        return chunk.array()[at++] & 0xFF;
      }

      @Override
      public int read(byte[] into, int off, int len) {
        Objects.checkFromIndexSize(off, len, into.length);
        if (len == 0) {
          return 0;
        }
        int copied = 0;
        while (copied < len && advance()) {
          int n = Math.min(len - copied, end - at);
          System.arraycopy(chunk.array(), at, into, off + copied, n);
          at += n;
          copied += n;
        }
        return copied == 0 ? -1 : copied;
      }

      /** True when bytes remain, with {@code at..end} the unread part of the current row. */
      private boolean advance() {
        while (at == end) {
          if (next == order.length) {
            return false;
          }
          int row = order[next++];
          at = chunk.offset(row);
          end = chunk.offset(row + 1);
        }
        return true;
      }
    };
  }
}
