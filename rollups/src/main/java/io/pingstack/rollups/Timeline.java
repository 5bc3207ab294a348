package io.pingstack.rollups;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Values by bucket at one step (the cells of one series; an event's bucket versions), sorted by
 * bucket: parallel arrays of bucket numbers ({@code floor(start / step)}) and values. Appending the
 * newest bucket is the common case and costs nothing but the store; a late ping inserts by binary
 * search; expiry drops a prefix. Guarded by the event's lock.
 */
final class Timeline<T> {
  private static final int[] NO_BUCKETS = {};
  private static final Object[] NO_VALUES = {};

  private int[] buckets = NO_BUCKETS;
  private Object[] cells = NO_VALUES;
  private int size;

  int size() {
    return size;
  }

  int bucket(int i) {
    return buckets[i];
  }

  @SuppressWarnings("unchecked")
  T value(int i) {
    return (T) cells[i];
  }

  /** The value of {@code bucket}, created by {@code empty} when missing. */
  T getOrCreate(int bucket, Supplier<T> empty) {
    if (size > 0 && buckets[size - 1] == bucket) {
      return value(size - 1);
    }
    int at = size > 0 && buckets[size - 1] < bucket ? size : lowerBound(bucket);
    if (at < size && buckets[at] == bucket) {
      return value(at);
    }
    T cell = empty.get();
    insert(at, bucket, cell);
    return cell;
  }

  /** The value of {@code bucket}, or null. */
  T get(int bucket) {
    int at = lowerBound(bucket);
    return at < size && buckets[at] == bucket ? value(at) : null;
  }

  /** Sets the value of {@code bucket}, replacing the one there. */
  void put(int bucket, T cell) {
    int at = lowerBound(bucket);
    if (at < size && buckets[at] == bucket) {
      cells[at] = cell;
    } else {
      insert(at, bucket, cell);
    }
  }

  /** Removes the cell of {@code bucket}; true when there was one. */
  boolean remove(int bucket) {
    int at = lowerBound(bucket);
    if (at == size || buckets[at] != bucket) {
      return false;
    }
    System.arraycopy(buckets, at + 1, buckets, at, size - at - 1);
    System.arraycopy(cells, at + 1, cells, at, size - at - 1);
    size--;
    cells[size] = null;
    return true;
  }

  /** Puts a value read from a snapshot; buckets arrive in ascending order. */
  void append(int bucket, T cell) {
    if (size > 0 && buckets[size - 1] >= bucket) {
      throw new IllegalArgumentException("bucket " + bucket + " is not after " + buckets[size - 1]);
    }
    insert(size, bucket, cell);
  }

  /** The index of the first cell whose bucket is at or after {@code bucket} ({@code size()} when none). */
  int lowerBound(int bucket) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (buckets[mid] < bucket) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Drops the cells of buckets before {@code firstKept}; returns how many. */
  int evictBefore(int firstKept) {
    int dropped = lowerBound(firstKept);
    if (dropped == 0) {
      return 0;
    }
    size -= dropped;
    if (size == 0) {
      buckets = NO_BUCKETS;
      cells = NO_VALUES;
    } else if (size < buckets.length / 4) {
      buckets = Arrays.copyOfRange(buckets, dropped, dropped + Math.max(size * 2, 4));
      cells = Arrays.copyOfRange(cells, dropped, dropped + Math.max(size * 2, 4));
    } else {
      System.arraycopy(buckets, dropped, buckets, 0, size);
      System.arraycopy(cells, dropped, cells, 0, size);
      Arrays.fill(cells, size, size + dropped, null);
    }
    return dropped;
  }

  private void insert(int at, int bucket, Object cell) {
    if (size == buckets.length) {
      int capacity = Math.max(4, size + (size >> 1));
      buckets = Arrays.copyOf(buckets, capacity);
      cells = Arrays.copyOf(cells, capacity);
    }
    System.arraycopy(buckets, at, buckets, at + 1, size - at);
    System.arraycopy(cells, at, cells, at + 1, size - at);
    buckets[at] = bucket;
    cells[at] = cell;
    size++;
  }
}
