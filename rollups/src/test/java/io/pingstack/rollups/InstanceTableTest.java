package io.pingstack.rollups;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The instance table answers as a map of each instance's latest ping would, through growth, eviction and snapshots. */
class InstanceTableTest {
  private record Latest(long seen, String version, String deployType) {}

  @Test
  void answersAsAMapOfLatestPingsThroughGrowthEvictionAndSnapshots() throws IOException {
    Random random = new Random(7);
    AtomicLong capped = new AtomicLong();
    int max = 20_000;
    InstanceTable table = new InstanceTable(max, new RollupMetrics() {
      @Override
      public void instancesCapped() {
        capped.incrementAndGet();
      }
    });
    Map<Long, Latest> expected = new HashMap<>();
    long expectedCapped = 0;
    long now = 1_000_000;
    for (int round = 0; round < 6; round++) {
      int instances = round < 3 ? 2_000 << round : 30_000; // grows past the first capacity several times, then hits the cap
      for (int i = 0; i < 60_000; i++) {
        // Hashes that share their low bits, and 0, collide in a table indexed carelessly.
        long hash = random.nextInt(instances) * (1L << 32) + (i % 97 == 0 ? 0 : 5);
        long seen = now + random.nextInt(10_000) - 5_000;
        String version = "5." + random.nextInt(4);
        String deployType = random.nextInt(5) == 0 ? "" : "docker";
        Latest latest = expected.get(hash);
        if (latest == null) {
          if (expected.size() >= max) {
            expectedCapped++;
          } else {
            expected.put(hash, new Latest(seen, version, deployType));
          }
        } else if (seen >= latest.seen) {
          expected.put(hash, new Latest(seen, version, deployType));
        }
        table.record(hash, seen, version, deployType);
      }
      assertSame(table, expected, now);
      assertThat(capped.get()).isEqualTo(expectedCapped);

      long cutoff = now - 2_000 + random.nextInt(4_000);
      table.evictSeenBefore(cutoff);
      expected.values().removeIf(latest -> latest.seen < cutoff);
      assertSame(table, expected, now);

      InstanceTable restored = new InstanceTable(10, RollupMetrics.NOOP); // a snapshot is loaded whole, past a lowered cap
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      table.freeze().writeTo(new DataOutputStream(bytes));
      restored.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      assertSame(restored, expected, now);
      now += 3_000;
    }
    table.evictSeenBefore(Long.MAX_VALUE);
    expected.clear();
    assertSame(table, expected, now);
  }

  private static void assertSame(InstanceTable table, Map<Long, Latest> expected, long now) {
    assertThat(table.size()).isEqualTo(expected.size());
    InstanceTable.Frozen frozen = table.freeze();
    Map<Long, Latest> actual = new HashMap<>();
    for (int i = 0; i < frozen.size(); i++) {
      actual.put(frozen.ids()[i], new Latest(frozen.seen()[i], frozen.versions()[i], frozen.deployTypes()[i]));
    }
    assertThat(actual).isEqualTo(expected);
    for (long since : new long[] {Long.MIN_VALUE, now - 1_000, now + 2_000}) {
      assertThat(table.summarize(since, null).instances())
          .isEqualTo(expected.values().stream().filter(l -> l.seen >= since).count());
      assertThat(table.summarize(since, Field.VERSION)).isEqualTo(summary(expected, since, true));
      assertThat(table.summarize(since, Field.DEPLOY_TYPE)).isEqualTo(summary(expected, since, false));
    }
  }

  private static InstancesSummary summary(Map<Long, Latest> expected, long since, boolean byVersion) {
    Map<String, Long> counts = new HashMap<>();
    long active = 0;
    for (Latest latest : expected.values()) {
      if (latest.seen >= since) {
        active++;
        counts.merge(byVersion ? latest.version : latest.deployType, 1L, Long::sum);
      }
    }
    List<InstancesSummary.Group> groups = new ArrayList<>();
    counts.forEach((value, n) -> groups.add(new InstancesSummary.Group(value, n)));
    groups.sort(Comparator.comparingLong(InstancesSummary.Group::instances).reversed().thenComparing(InstancesSummary.Group::value));
    return new InstancesSummary(active, groups);
  }
}
