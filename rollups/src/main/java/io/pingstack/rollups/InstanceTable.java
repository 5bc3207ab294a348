package io.pingstack.rollups;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per instance, the event time of its latest ping and the version and deploy type that ping
 * carried. At most {@code max_instances} instances; further ones are counted, not kept. Written by
 * the applying thread, read by any.
 *
 * <p>Instances are keyed by their {@link InstanceHash}, not their id: the table only ever answers
 * counts, and a hash costs neither the id's memory nor its hashing on every ping (two of a million
 * ids collide with a probability near 3e-8).
 */
final class InstanceTable {
  /**
   * An instance's latest ping. The common update (a later ping, same version and deploy type) only
   * moves {@code seenMillis}; a change of either string replaces the whole entry, so a reader never
   * sees one instance's version with another ping's deploy type.
   */
  private static final class Latest {
    volatile long seenMillis;
    final String version;
    final String deployType;

    Latest(long seenMillis, String version, String deployType) {
      this.seenMillis = seenMillis;
      this.version = version;
      this.deployType = deployType;
    }
  }

  private final ConcurrentHashMap<Long, Latest> byId = new ConcurrentHashMap<>();
  private final Interner interner = new Interner(4096);
  private final int max;
  private final RollupMetrics metrics;

  InstanceTable(int max, RollupMetrics metrics) {
    this.max = max;
    this.metrics = metrics;
  }

  void record(long instanceHash, long seenMillis, String version, String deployType) {
    Long instance = instanceHash;
    Latest current = byId.get(instance);
    if (current == null) {
      if (byId.size() >= max) {
        metrics.instancesCapped();
        return;
      }
      byId.put(instance, new Latest(seenMillis, interner.intern(version), interner.intern(deployType)));
    } else if (seenMillis >= current.seenMillis) {
      if (version.equals(current.version) && deployType.equals(current.deployType)) {
        current.seenMillis = seenMillis;
      } else {
        byId.put(instance, new Latest(seenMillis, interner.intern(version), interner.intern(deployType)));
      }
    }
  }

  int size() {
    return byId.size();
  }

  /** Forgets instances whose latest ping is before {@code cutoffMillis}. */
  void evictSeenBefore(long cutoffMillis) {
    byId.values().removeIf(latest -> latest.seenMillis < cutoffMillis);
  }

  InstancesSummary summarize(long activeSinceMillis, Field groupBy) {
    if (groupBy != null && groupBy.kind() == Field.Kind.DIMENSION) {
      throw new RollupQueryException("invalid_group_by", "instances group only by version or deploy_type");
    }
    long active = 0;
    Map<String, long[]> counts = new HashMap<>();
    for (Latest latest : byId.values()) {
      if (latest.seenMillis >= activeSinceMillis) {
        active++;
        if (groupBy != null) {
          String value = groupBy.kind() == Field.Kind.VERSION ? latest.version : latest.deployType;
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

  /** The table as it is now, for a snapshot written by another thread. Applying thread. */
  Frozen freeze() {
    int n = byId.size();
    long[] ids = new long[n];
    long[] seen = new long[n];
    String[] versions = new String[n];
    String[] deployTypes = new String[n];
    int i = 0;
    for (Map.Entry<Long, Latest> e : byId.entrySet()) {
      if (i == n) {
        break; // only the applying thread adds, so the table cannot grow meanwhile; this keeps a misuse in bounds
      }
      Latest latest = e.getValue();
      ids[i] = e.getKey();
      seen[i] = latest.seenMillis;
      versions[i] = latest.version;
      deployTypes[i] = latest.deployType;
      i++;
    }
    return new Frozen(i, ids, seen, versions, deployTypes);
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

  /** Adds the instances written by {@link #writeTo}; all of them, even beyond a cap lowered since. */
  void readFrom(DataInput in) throws IOException {
    int n = in.readInt();
    CorruptSnapshotException.check(n >= 0, "instance table of " + n + " instances");
    for (int i = 0; i < n; i++) {
      long instanceHash = in.readLong();
      long seen = in.readLong();
      String version = interner.intern(SnapshotFile.readString(in));
      String deployType = interner.intern(SnapshotFile.readString(in));
      byId.put(instanceHash, new Latest(seen, version, deployType));
    }
  }
}
