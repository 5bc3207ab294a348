package io.pingstack.rollups;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per instance, the event time of its latest ping and the version and deploy type that ping
 * carried. At most {@code max_instances} instances; further ones are counted, not kept. Written by
 * one thread at a time (the applying thread, or eviction between batches), read by any.
 *
 * <p>Instances are keyed by their {@link InstanceHash}, not their id: the table only ever answers
 * counts, and a hash costs neither the id's memory nor its hashing on every ping (two of a million
 * ids collide with a probability near 3e-8).
 *
 * <p>An open-addressing table of primitive slots: an instance's hash and latest time sit next to each
 * other, so the common update (a later ping, same version and deploy type) touches one line of
 * memory and the shared {@link Kind}, where a map of boxed keys to entries took four. A reader sees
 * each slot's {@link Kind} whole (an immutable object), so never one ping's version with another's
 * deploy type; a slot's time may be a ping older or newer than its kind. The table is replaced
 * whole, and published through a volatile field, when it grows or evicts; a reader iterates the one
 * it read.
 */
final class InstanceTable {
  /** A version and deploy type, shared by every instance that reports them. */
  private record Kind(String version, String deployType) {}

  /** Linear probing; {@code kinds[i] == null}: slot {@code i} is free. */
  private static final class Table {
    /** Slot {@code i}: the instance's hash at {@code 2i}, its latest time at {@code 2i + 1}. */
    final long[] slots;
    final Kind[] kinds;
    final int shift;

    Table(int capacity) {
      slots = new long[2 * capacity];
      kinds = new Kind[capacity];
      shift = Long.numberOfLeadingZeros(capacity - 1L);
    }

    int capacity() {
      return kinds.length;
    }

    /** The slot of {@code instanceHash}, or the free slot where it goes. */
    int slotOf(long instanceHash) {
      int mask = kinds.length - 1;
      int i = (int) ((instanceHash * 0x9E3779B97F4A7C15L) >>> shift) & mask;
      while (kinds[i] != null && slots[2 * i] != instanceHash) {
        i = (i + 1) & mask;
      }
      return i;
    }
  }

  private static final int FIRST_CAPACITY = 1024;
  private static final int MAX_SHARED_KINDS = 4096;

  private volatile Table table = new Table(FIRST_CAPACITY);
  private volatile int size;
  /** The kinds in use, by themselves: one object per pair. Writing thread only. */
  private final Map<Kind, Kind> kinds = new HashMap<>();
  private final int max;
  private final RollupMetrics metrics;

  InstanceTable(int max, RollupMetrics metrics) {
    this.max = max;
    this.metrics = metrics;
  }

  void record(long instanceHash, long seenMillis, String version, String deployType) {
    Table t = table;
    int i = t.slotOf(instanceHash);
    Kind kind = t.kinds[i];
    if (kind == null) {
      if (size >= max) {
        metrics.instancesCapped();
        return;
      }
      put(instanceHash, seenMillis, kindOf(version, deployType));
    } else if (seenMillis >= t.slots[2 * i + 1]) {
      t.slots[2 * i + 1] = seenMillis;
      if (!version.equals(kind.version) || !deployType.equals(kind.deployType)) {
        t.kinds[i] = kindOf(version, deployType);
      }
    }
  }

  /** Sets the instance's slot, taking a free one (the table grown first when it would be over half full). */
  private void put(long instanceHash, long seenMillis, Kind kind) {
    Table t = table;
    if (2 * (size + 1) > t.capacity()) {
      t = rehash(2 * t.capacity(), Long.MIN_VALUE);
    }
    int i = t.slotOf(instanceHash);
    if (t.kinds[i] == null) {
      size++;
    }
    t.slots[2 * i] = instanceHash;
    t.slots[2 * i + 1] = seenMillis;
    t.kinds[i] = kind;
  }

  /** The shared kind of this pair; past {@value #MAX_SHARED_KINDS} pairs, one of its own (memory stays bounded by the instances). */
  private Kind kindOf(String version, String deployType) {
    Kind kind = new Kind(version, deployType);
    Kind shared = kinds.get(kind);
    if (shared != null) {
      return shared;
    }
    if (kinds.size() < MAX_SHARED_KINDS) {
      kinds.put(kind, kind);
    }
    return kind;
  }

  /**
   * A table of {@code capacity} slots with the instances seen at or after {@code keepFrom}, published
   * as the table; the kinds no longer used are forgotten.
   */
  private Table rehash(int capacity, long keepFrom) {
    Table from = table;
    Table to = new Table(capacity);
    Map<Kind, Kind> used = new HashMap<>();
    int kept = 0;
    for (int i = 0; i < from.capacity(); i++) {
      Kind kind = from.kinds[i];
      long seen = from.slots[2 * i + 1];
      if (kind != null && seen >= keepFrom) {
        int j = to.slotOf(from.slots[2 * i]);
        to.slots[2 * j] = from.slots[2 * i];
        to.slots[2 * j + 1] = seen;
        to.kinds[j] = kind;
        if (kinds.get(kind) == kind) {
          used.put(kind, kind);
        }
        kept++;
      }
    }
    kinds.keySet().retainAll(used.keySet());
    table = to;
    size = kept;
    return to;
  }

  int size() {
    return size;
  }

  /** Forgets instances whose latest ping is before {@code cutoffMillis}. Not while another thread writes. */
  void evictSeenBefore(long cutoffMillis) {
    int capacity = table.capacity();
    while (capacity > FIRST_CAPACITY && 4L * size <= capacity) {
      capacity /= 2; // shrinks as instances go, never below twice what stays
    }
    rehash(capacity, cutoffMillis);
  }

  InstancesSummary summarize(long activeSinceMillis, Field groupBy) {
    if (groupBy != null && groupBy.kind() == Field.Kind.DIMENSION) {
      throw new RollupQueryException("invalid_group_by", "instances group only by version or deploy_type");
    }
    long active = 0;
    Map<String, long[]> counts = new HashMap<>();
    Table t = table;
    for (int i = 0; i < t.capacity(); i++) {
      Kind kind = t.kinds[i];
      if (kind != null && t.slots[2 * i + 1] >= activeSinceMillis) {
        active++;
        if (groupBy != null) {
          String value = groupBy.kind() == Field.Kind.VERSION ? kind.version : kind.deployType;
          counts.computeIfAbsent(value, v -> new long[1])[0]++;
        }
      }
    }
    List<InstancesSummary.Group> groups = new ArrayList<>(counts.size());
    counts.forEach((value, n) -> groups.add(new InstancesSummary.Group(value, n[0])));
    groups.sort(
        Comparator.comparingLong(InstancesSummary.Group::instances).reversed().thenComparing(InstancesSummary.Group::value));
    return new InstancesSummary(active, groups);
  }

  /** The table as it is now, for a snapshot written by another thread. Writing thread. */
  Frozen freeze() {
    Table t = table;
    int n = size;
    long[] ids = new long[n];
    long[] seen = new long[n];
    String[] versions = new String[n];
    String[] deployTypes = new String[n];
    int at = 0;
    for (int i = 0; i < t.capacity() && at < n; i++) {
      Kind kind = t.kinds[i];
      if (kind != null) {
        ids[at] = t.slots[2 * i];
        seen[at] = t.slots[2 * i + 1];
        versions[at] = kind.version;
        deployTypes[at] = kind.deployType;
        at++;
      }
    }
    return new Frozen(at, ids, seen, versions, deployTypes);
  }

  /** The instances as {@link #freeze} found them. */
  record Frozen(int size, long[] ids, long[] seen, String[] versions, String[] deployTypes) {
    void writeTo(DataOutput out) throws IOException {
      out.writeInt(size);
      for (int i = 0; i < size; i++) {
        out.writeLong(ids[i]);
        out.writeLong(seen[i]);
        SnapshotFile.writeString(out, versions[i]);
        SnapshotFile.writeString(out, deployTypes[i]);
      }
    }
  }

  /** Adds the instances written by {@link #writeTo}; all of them, even beyond a cap lowered since. Writing thread. */
  void readFrom(DataInput in) throws IOException {
    int n = in.readInt();
    CorruptSnapshotException.check(n >= 0, "instance table of " + n + " instances");
    for (int i = 0; i < n; i++) {
      long instanceHash = in.readLong();
      long seen = in.readLong();
      String version = SnapshotFile.readString(in);
      String deployType = SnapshotFile.readString(in);
      put(instanceHash, seen, kindOf(version, deployType));
    }
  }
}
