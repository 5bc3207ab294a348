package io.pingstack.rollups;

import static io.pingstack.rollups.Fixtures.HOUR;
import static io.pingstack.rollups.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentReadsTest {
  @TempDir Path dir;

  @Test
  void readsDuringAppliesNeverThrowAndSeeWholePings() throws Exception {
    // Every ping carries one = 1, so in any consistent cell count == sum(one) == count(one).
    Random random = new Random(47);
    List<TestPing> pings = new ArrayList<>();
    for (int i = 0; i < 60_000; i++) {
      pings.add(TestPing.of(i % 3 == 0 ? "a" : "b", "i" + random.nextInt(5_000), NOW - random.nextInt((int) (4 * HOUR)))
          .version("v" + random.nextInt(4))
          .metric("one", 1)
          .metric("x", random.nextGaussian()));
    }
    List<Agg> aggs = List.of(Agg.COUNT, Agg.SUM, Agg.DISTINCT_INSTANCES, Agg.P95);
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService readers = Executors.newFixedThreadPool(2);
    try (Rollups rollups = Fixtures.open(Fixtures.config(dir))) {
      List<Future<Integer>> reads = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        reads.add(readers.submit(() -> {
          int checked = 0;
          while (!done.get() || checked == 0) {
            for (Step step : Step.values()) {
              RollupQuery q = Fixtures.grouped(
                  "b", NOW - 5 * HOUR, NOW + HOUR, step, aggs, "one", List.of(Field.VERSION), Map.of(), false);
              for (RollupResult.Series s : rollups.read(q).series()) {
                for (RollupResult.Point p : s.points()) {
                  assertThat(p.values()[1]).isEqualTo(p.values()[0]);
                  assertThat(p.values()[2]).isBetween(1.0, p.values()[0]);
                  assertThat(p.values()[3]).isEqualTo(1);
                  checked++;
                }
              }
            }
            rollups.events();
            rollups.instances(0, Field.VERSION);
          }
          return checked;
        }));
      }
      Fixtures.applyAll(rollups, pings);
      done.set(true);
      for (Future<Integer> read : reads) {
        assertThat(read.get(60, TimeUnit.SECONDS)).isPositive();
      }
      RollupQuery total = Fixtures.query("b", NOW - 5 * HOUR, NOW + HOUR, Step.HOUR, List.of(Agg.COUNT), "one");
      double count = rollups.read(total).series().get(0).points().stream().mapToDouble(p -> p.values()[0]).sum();
      assertThat(count).isEqualTo((double) pings.stream().filter(p -> p.event.equals("b")).count());
    } finally {
      readers.shutdownNow();
    }
  }
}
