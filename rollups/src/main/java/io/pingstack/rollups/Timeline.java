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
  private Object[] values = NO_VALUES;
  private int size;

  int size() {
    return size;
  }

  int bucket(int i) {
    return buckets[i];
  }

  @SuppressWarnings("unchecked")
  T value(int i) {
    return (T) values[i];
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
    T value = empty.get();
    insert(at, bucket, value);
    return value;
  }

  /** The value of {@code bucket}, or null. */
  T get(int bucket) {
    int at = lowerBound(bucket);
    return at < size && buckets[at] == bucket ? value(at) : null;
  }

  /** Sets the value of {@code bucket}, replacing the one there. */
  void put(int bucket, T value) {
    int at = lowerBound(bucket);
    if (at < size && buckets[at] == bucket) {
      values[at] = value;
    } else {
      insert(at, bucket, value);
    }
  }

  /** Removes the value of {@code bucket}; true when there was one. */
  boolean remove(int bucket) {
    int at = lowerBound(bucket);
    if (at == size || buckets[at] != bucket) {
      return false;
    }
    System.arraycopy(buckets, at + 1, buckets, at, size - at - 1);
    System.arraycopy(values, at + 1, values, at, size - at - 1);
    size--;
    values[size] = null;
    return true;
  }

  /** Makes this (empty) timeline hold what {@code other} holds now, sharing its values. */
  void copyFrom(Timeline<T> other) {
    if (size > 0) {
      throw new IllegalStateException("copy into a timeline of " + size + " values");
    }
    if (other.size > 0) {
      buckets = Arrays.copyOf(other.buckets, other.size);
      values = Arrays.copyOf(other.values, other.size);
      size = other.size;
    }
  }

  /** Puts a value read from a snapshot; buckets arrive in ascending order. */
  void append(int bucket, T value) {
    if (size > 0 && buckets[size - 1] >= bucket) {
      throw new IllegalArgumentException("bucket " + bucket + " is not after " + buckets[size - 1]);
    }
    insert(size, bucket, value);
  }

  /** The index of the first value whose bucket is at or after {@code bucket} ({@code size()} when none). */
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

  /** Drops the values of buckets before {@code firstKept}; returns how many. */
  int evictBefore(int firstKept) {
    int dropped = lowerBound(firstKept);
    if (dropped == 0) {
      return 0;
    }
    size -= dropped;
    if (size == 0) {
      buckets = NO_BUCKETS;
      values = NO_VALUES;
    } else if (size < buckets.length / 4) {
      buckets = Arrays.copyOfRange(buckets, dropped, dropped + Math.max(size * 2, 4));
      values = Arrays.copyOfRange(values, dropped, dropped + Math.max(size * 2, 4));
    } else {
      System.arraycopy(buckets, dropped, buckets, 0, size);
      System.arraycopy(values, dropped, values, 0, size);
      Arrays.fill(values, size, size + dropped, null);
    }
    return dropped;
  }

  private void insert(int at, int bucket, Object value) {
    if (size == buckets.length) {
      int capacity = Math.max(4, size + (size >> 1));
      buckets = Arrays.copyOf(buckets, capacity);
      values = Arrays.copyOf(values, capacity);
    }
    System.arraycopy(buckets, at, buckets, at + 1, size - at);
    System.arraycopy(values, at, values, at + 1, size - at);
    buckets[at] = bucket;
    values[at] = value;
    size++;
  }
}
