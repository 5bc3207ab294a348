package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DedupWindowTest {
  private static final Duration WINDOW = Duration.ofHours(24);
  /** The window is kept in 24 slices: a pair expires between one window and one window plus a slice after it was marked. */
  private static final long SLICE = WINDOW.toMillis() / 24;
  /** Aligned to a slice, so that expiry times are exact. */
  private static final long T0 = 20_000 * WINDOW.toMillis();

  private final DedupWindow window = new DedupWindow(WINDOW, 1_000_000);

  private static boolean mark(DedupWindow w, String instanceId, String pingId, long atMillis) {
    long[] fp = DedupWindow.fingerprint(instanceId, pingId);
    return w.markIfAbsent(fp[0], fp[1], atMillis);
  }

  private static void unmark(DedupWindow w, String instanceId, String pingId) {
    long[] fp = DedupWindow.fingerprint(instanceId, pingId);
    w.unmark(fp[0], fp[1]);
  }

  @Test
  void newPairIsMarkedAndTheSamePairIsThenADuplicate() {
    assertThat(mark(window, "inst-1", "p-1", T0)).isTrue();
    assertThat(mark(window, "inst-1", "p-1", T0 + 1)).isFalse();
    assertThat(window.size()).isEqualTo(1);
  }

  @Test
  void samePingIdFromAnotherInstanceIsNew() {
    assertThat(mark(window, "inst-1", "p-1", T0)).isTrue();
    assertThat(mark(window, "inst-2", "p-1", T0)).isTrue();
  }

  @Test
  void unmarkedPairIsNewAgain() {
    mark(window, "inst-1", "p-1", T0);
    unmark(window, "inst-1", "p-1");

    assertThat(window.size()).isZero();
    assertThat(mark(window, "inst-1", "p-1", T0)).isTrue();
  }

  @Test
  void unmarkingAnUnknownPairChangesNothing() {
    mark(window, "inst-1", "p-1", T0);
    unmark(window, "inst-1", "p-2");

    assertThat(window.size()).isEqualTo(1);
    assertThat(mark(window, "inst-1", "p-1", T0)).isFalse();
  }

  @Test
  void pairIsRememberedForTheWholeWindow() {
    mark(window, "inst-1", "p-1", T0);

    assertThat(mark(window, "inst-1", "p-1", T0 + WINDOW.toMillis() - 1)).isFalse();
  }

  @Test
  void pairOlderThanTheWindowExpires() {
    mark(window, "inst-1", "p-1", T0);
    mark(window, "inst-1", "p-2", T0 + 2 * SLICE);

    assertThat(mark(window, "inst-1", "p-1", T0 + WINDOW.toMillis() + SLICE)).isTrue();
    assertThat(mark(window, "inst-1", "p-2", T0 + WINDOW.toMillis() + SLICE)).isFalse();
    assertThat(window.size()).isEqualTo(2);
    assertThat(window.evictedEarly()).isZero();
  }

  @Test
  void entryCapEvictsTheOldestGenerationAndCountsIt() {
    DedupWindow capped = new DedupWindow(WINDOW, 3);
    mark(capped, "inst-1", "old-1", T0);
    mark(capped, "inst-1", "old-2", T0);
    mark(capped, "inst-1", "new-1", T0 + SLICE);

    mark(capped, "inst-1", "new-2", T0 + SLICE);

    assertThat(capped.evictedEarly()).isEqualTo(2);
    assertThat(capped.size()).isEqualTo(2);
    assertThat(mark(capped, "inst-1", "new-1", T0 + SLICE)).isFalse();
    assertThat(mark(capped, "inst-1", "old-1", T0 + SLICE)).isTrue();
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void aSteadyStreamOverManyWindowsReusesTheSlotsOfEndedGenerations() {
    // 2,000 pings per slice for ten windows: about 48,000 pairs live at any time, 480,000 marked in all.
    int perSlice = 2_000;
    long t = T0;
    for (int slice = 0; slice < 24 * 10; slice++, t += SLICE) {
      for (int i = 0; i < perSlice; i++) {
        assertThat(mark(window, "inst-" + (i % 13), "s" + slice + "-" + i, t)).isTrue();
      }
      assertThat(mark(window, "inst-0", "s" + slice + "-0", t)).isFalse();
    }
    assertThat(window.size()).isBetween(24L * perSlice, 25L * perSlice);
    assertThat(window.slots()).isLessThanOrEqualTo(4 * 25 * perSlice);
    assertThat(mark(window, "inst-0", "s0-0", t)).as("a pair of an ended generation is new").isTrue();
    assertThat(mark(window, "inst-0", "s" + (24 * 10 - 1) + "-0", t)).isFalse();
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aPairOfALongEndedGenerationIsNewEvenAfterTheGenerationNumbersWrap() {
    DedupWindow fast = new DedupWindow(Duration.ofMillis(24), 1_000_000); // a generation per millisecond
    assertThat(mark(fast, "inst-1", "old", 0)).isTrue();
    for (int ms = 1; ms <= (1 << 20) + 5; ms++) {
      mark(fast, "inst-2", "p" + (ms % 64), ms);
    }
    assertThat(mark(fast, "inst-1", "old", (1 << 20) + 6)).isTrue();
    assertThat(mark(fast, "inst-1", "old", (1 << 20) + 6)).isFalse();
  }

  @Test
  void capMustBePositive() {
    assertThatThrownBy(() -> new DedupWindow(WINDOW, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dedup.max_entries");
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void manyEntriesWithSomeUnmarkedAreAllFoundAfterGrowing() {
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      assertThat(mark(window, "inst-" + (i % 97), "p-" + i, T0)).isTrue();
      if (i % 5 == 0) {
        unmark(window, "inst-" + (i % 97), "p-" + i);
      }
    }

    assertThat(window.size()).isEqualTo(n - n / 5);
    for (int i = 0; i < n; i++) {
      if (i % 5 != 0) {
        assertThat(mark(window, "inst-" + (i % 97), "p-" + i, T0)).as("ping %d", i).isFalse();
      }
    }
    for (int i = 0; i < n; i += 5) {
      assertThat(mark(window, "inst-" + (i % 97), "p-" + i, T0)).as("unmarked ping %d", i).isTrue();
    }
    assertThat(window.size()).isEqualTo(n);
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void warmingChangesNothingEvenWhileTheTableGrowsUnderIt() throws Exception {
    int n = 100_000;
    long[] his = new long[n];
    long[] los = new long[n];
    for (int i = 0; i < n; i++) {
      long[] fp = DedupWindow.fingerprint("inst-" + (i % 31), "p-" + i);
      his[i] = fp[0];
      los[i] = fp[1];
    }
    AtomicBoolean growing = new AtomicBoolean(true);
    AtomicInteger warmings = new AtomicInteger();
    CompletableFuture<Void> warmer = CompletableFuture.runAsync(() -> {
      while (growing.get() || warmings.get() == 0) {
        window.warm(his, los, n); // the table it reads is replaced by resizes meanwhile
        warmings.incrementAndGet();
      }
    });
    for (int i = 0; i < n; i += 2) {
      assertThat(window.markIfAbsent(his[i], los[i], T0)).isTrue();
    }
    growing.set(false);
    warmer.get(10, TimeUnit.SECONDS);

    window.warm(his, los, n);
    assertThat(window.size()).isEqualTo(n / 2);
    for (int i = 0; i < n; i++) {
      assertThat(window.markIfAbsent(his[i], los[i], T0)).as("pair %d", i).isEqualTo(i % 2 == 1);
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void churnOfMarkAndUnmarkKeepsEveryRemainingPairFindable() {
    // Tombstones pile up without the live size growing: the table must clean them out, not fill up.
    for (int i = 0; i < 100_000; i++) {
      mark(window, "inst-1", "churn-" + i, T0);
      if (i % 1000 != 0) {
        unmark(window, "inst-1", "churn-" + i);
      }
    }

    assertThat(window.size()).isEqualTo(100);
    for (int i = 0; i < 100_000; i += 1000) {
      assertThat(mark(window, "inst-1", "churn-" + i, T0)).as("kept ping %d", i).isFalse();
    }
    assertThat(mark(window, "inst-1", "churn-1", T0)).isTrue();
  }

  @Test
  void fingerprintKeepsInstanceAndPingIdApart() {
    assertThat(DedupWindow.fingerprint("a", "bc")).isNotEqualTo(DedupWindow.fingerprint("ab", "c"));
    assertThat(DedupWindow.fingerprint("a", "bc")).isEqualTo(DedupWindow.fingerprint("a", "bc"));
  }

  @Test
  void fingerprintOfTheIdsBytesIsTheFingerprintOfTheIds() {
    byte[] bytes = "xxinst-äpp-1€yy".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int instanceLength = "inst-ä".getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    int pingLength = "p-1€".getBytes(java.nio.charset.StandardCharsets.UTF_8).length;

    assertThat(new DedupWindow.Hasher().fingerprint(bytes, 2, instanceLength, bytes, 2 + instanceLength + 1, pingLength))
        .containsExactly(DedupWindow.fingerprint("inst-ä", "p-1€"));
  }

  @Test
  void fingerprintKeepsApartIdsThatContainNul() {
    // Ids may hold any character; a separator byte alone would make these two pairs one.
    assertThat(DedupWindow.fingerprint("a\u0000b", "c")).isNotEqualTo(DedupWindow.fingerprint("a", "b\u0000c"));
  }

  @Test
  void fingerprintFirstHalfIsNeverZero() {
    for (int i = 0; i < 10_000; i++) {
      assertThat(DedupWindow.fingerprint("inst", "p-" + i)[0]).isNotZero();
    }
  }

  @Test
  void aHasherReusedAcrossPairsOfAnyLengthFingerprintsEachAsAFreshOneDoes() {
    DedupWindow.Hasher reused = new DedupWindow.Hasher();
    String longId = "i".repeat(300); // past the hasher's first key array
    for (String[] pair : new String[][] {{"inst-1", "p-1"}, {longId, "p-2"}, {"a", "b"}, {"", ""}, {"inst-1", "p-1"}}) {
      byte[] instance = pair[0].getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] ping = pair[1].getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(reused.fingerprint(instance, 0, instance.length, ping, 0, ping.length))
          .as("%s/%s", pair[0].length(), pair[1])
          .containsExactly(new DedupWindow.Hasher().fingerprint(instance, 0, instance.length, ping, 0, ping.length));
    }
  }
}
