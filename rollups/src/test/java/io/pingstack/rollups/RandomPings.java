package io.pingstack.rollups;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded mixes of pings over a time window, for comparing the rollups against {@link GroundTruth}. */
final class RandomPings {
  static final String EVENT = "search.executed";
  static final String OTHER_EVENT = "app.started";
  static final List<String> VERSIONS = List.of("5.1.0", "5.2.0", "5.3.0");
  static final List<String> DEPLOY_TYPES = List.of("kubernetes", "docker-compose");

  private RandomPings() {}

  /**
   * {@code n} pings between {@code from} and {@code to}: two events, three versions, two deploy types
   * (or none), dimensions {@code plan} (sometimes missing) and {@code region}; metric {@code latency}
   * (skewed, with negatives and zeros) on 80 % of pings and {@code size} on half.
   */
  static List<TestPing> mix(long seed, int n, int instances, long from, long to) {
    Random random = new Random(seed);
    List<TestPing> pings = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TestPing p = TestPing.of(
          random.nextInt(5) == 0 ? OTHER_EVENT : EVENT,
          "inst-" + random.nextInt(instances),
          from + (long) (random.nextDouble() * (to - from)));
      p.version(VERSIONS.get(random.nextInt(VERSIONS.size())));
      if (random.nextInt(10) > 0) {
        p.deployType(DEPLOY_TYPES.get(random.nextInt(DEPLOY_TYPES.size())));
      }
      if (random.nextInt(4) > 0) {
        p.dimension("plan", random.nextBoolean() ? "free" : "pro");
      }
      p.dimension("region", random.nextBoolean() ? "eu" : "us");
      p.dimension("undeclared", "x" + random.nextInt(3));
      if (random.nextInt(5) > 0) {
        p.metric("latency", skewed(random));
      }
      if (random.nextBoolean()) {
        p.metric("size", random.nextInt(1000));
      }
      pings.add(p);
    }
    return pings;
  }

  /** Lognormal magnitudes over several orders, 10 % zeros, 20 % negative. */
  static double skewed(Random random) {
    int kind = random.nextInt(10);
    if (kind == 0) {
      return 0;
    }
    double magnitude = Math.exp(2 + 1.5 * random.nextGaussian());
    return kind <= 2 ? -magnitude : magnitude;
  }
}
