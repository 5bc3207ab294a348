package io.pingstack.server;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import io.pingstack.model.Reason;
import io.pingstack.model.proto.Ping;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded, reproducible stream of pings with a known distribution, for the end-to-end test.
 *
 * <p>Valid ping {@code i} (0 ≤ i < {@link #unique()}) is a pure function of the seed and {@code i},
 * so the stream is never held in memory as pings. Six events with skewed frequency, four versions,
 * three deploy types, the declared dimensions {@code plan} (3 values) and {@code region} (4 values,
 * absent on about 10 %) and the undeclared {@code browser}; 1-3 metrics per event, the first always
 * present, with lognormal, count-like and signed values rounded to 3 decimals (so zeros occur and
 * every non-zero magnitude is at least 0.001). Event times lie within the last 40 h, except about
 * 0.5 % "late" pings 50-70 h old: past minute retention (48 h), within hour and day retention.
 *
 * <p>{@link #stream()} is the send order: every valid ping once, plus about 5 % re-sends of a valid
 * ping already in the stream (mostly within the last few hundred entries, so in the same or a nearby
 * batch; some from anywhere earlier) and about 1 % invalid pings (bad event name, timestamp in the
 * future, timestamp too old).
 */
final class PingMix {
  static final List<String> EVENTS = List.of(
      "search.executed", "page.viewed", "codeintel.hover", "batch_changes.applied", "user.signed_in", "insights.refresh");
  private static final double[] EVENT_WEIGHTS = {0.35, 0.25, 0.15, 0.12, 0.08, 0.05};
  /**
   * Per event: its metric names; the first is on every ping of the event, the others on about 70 %.
   * The first metric of an event is latency-like, the second a count, the third signed.
   */
  static final List<List<String>> METRICS = List.of(
      List.of("duration_ms", "results"),
      List.of("load_ms"),
      List.of("latency_ms", "cache_hits", "score_delta"),
      List.of("duration_ms", "changesets"),
      List.of("duration_ms"),
      List.of("lag_s", "series", "drift"));
  static final List<String> VERSIONS = List.of("5.1.0", "5.2.3", "5.3.0", "6.0.0");
  static final List<String> DEPLOY_TYPES = List.of("kubernetes", "docker-compose", "binary");
  static final List<String> PLANS = List.of("free", "team", "enterprise");
  static final List<String> REGIONS = List.of("us-east", "us-west", "eu-central", "ap-south");
  static final List<String> BROWSERS = List.of("firefox", "chrome", "safari");
  static final String UNDECLARED_DIMENSION = "browser";
  static final int INSTANCES = 3000;

  static final Duration RECENT = Duration.ofHours(40);
  static final Duration LATE_FROM = Duration.ofHours(50);
  static final Duration LATE_TO = Duration.ofHours(70);
  private static final double LATE_SHARE = 0.005;
  private static final double DUPLICATE_SHARE = 0.05;
  private static final double INVALID_SHARE = 0.01;
  private static final int NEAR_DUPLICATE_DISTANCE = 400;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final long seed;
  private final int unique;
  private final int duplicates;
  private final int invalid;
  private final long nowMillis;

  PingMix(long seed, int unique, Instant now) {
    if (unique < 1) {
      throw new IllegalArgumentException("a ping mix needs at least one ping, not " + unique);
    }
    this.seed = seed;
    this.unique = unique;
    this.duplicates = (int) Math.round(unique * DUPLICATE_SHARE);
    this.invalid = Math.max(3, (int) Math.round(unique * INVALID_SHARE));
    this.nowMillis = requireNonNull(now, "now").toEpochMilli();
  }

  /** How many distinct valid pings the stream holds. */
  int unique() {
    return unique;
  }

  /** How many invalid pings the stream holds. */
  int invalid() {
    return invalid;
  }

  /** How many entries of the stream re-send a valid ping already in it. */
  int duplicates() {
    return duplicates;
  }

  /** The instant event times are relative to. */
  long nowMillis() {
    return nowMillis;
  }

  /**
   * The send order: an entry {@code e >= 0} is valid ping {@code e} (its first send or a re-send),
   * an entry {@code e < 0} is invalid ping {@code -e - 1}. Every valid ping appears before its re-sends.
   */
  int[] stream() {
    int[] stream = new int[unique + duplicates + invalid];
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5EED5EED5EEDL);
    int nextValid = 0;
    int nextInvalid = 0;
    int duplicatesLeft = duplicates;
    for (int pos = 0; pos < stream.length; pos++) {
      // Each kind is drawn in proportion to what is left of it, so the counts come out exact.
      int pick = rng.nextInt(stream.length - pos);
      if (pick < duplicatesLeft && nextValid > 0) {
        boolean near = rng.nextDouble() < 0.7;
        stream[pos] = nextValid - 1 - rng.nextInt(near ? Math.min(nextValid, NEAR_DUPLICATE_DISTANCE) : nextValid);
        duplicatesLeft--;
      } else if (pick >= duplicatesLeft && pick < duplicatesLeft + invalid - nextInvalid) {
        stream[pos] = -1 - nextInvalid++;
      } else {
        // A duplicate drawn before any valid ping was sent becomes a valid ping: both counts stay exact.
        stream[pos] = nextValid++;
      }
    }
    return stream;
  }

  /** Valid ping {@code i}: the same ping for the same seed, {@code i} and now. */
  Ping valid(int i) {
    if (i < 0 || i >= unique) {
      throw new IndexOutOfBoundsException("valid ping " + i + " of " + unique);
    }
    SplittableRandom rng = new SplittableRandom(seed + GOLDEN * (i + 1L));
    int event = pickWeighted(rng.nextDouble());
    int instance = (int) (INSTANCES * Math.pow(rng.nextDouble(), 2.0)); // a few instances ping a lot
    SplittableRandom owner = new SplittableRandom(seed ^ (GOLDEN * (instance + 7919L)));
    int deployType = pick(owner.nextDouble(), 0.5, 0.8);
    int plan = pick(owner.nextDouble(), 0.6, 0.9);
    int region = owner.nextInt(REGIONS.size() + 1); // REGIONS.size() means "no region"
    int version = rng.nextDouble() < 0.85 ? owner.nextInt(VERSIONS.size()) : rng.nextInt(VERSIONS.size());
    long ageMillis = rng.nextDouble() < LATE_SHARE
        ? LATE_FROM.toMillis() + (long) (rng.nextDouble() * (LATE_TO.toMillis() - LATE_FROM.toMillis()))
        : 60_000 + (long) (Math.pow(rng.nextDouble(), 1.2) * (RECENT.toMillis() - 60_000));
    Ping.Builder ping = Ping.newBuilder()
        .setPingId("p-" + i)
        .setInstanceId(instanceId(instance))
        .setTimestamp(timestamp(nowMillis - ageMillis))
        .setEvent(EVENTS.get(event))
        .setVersion(VERSIONS.get(version))
        .setDeployType(DEPLOY_TYPES.get(deployType))
        .putDimensions("plan", PLANS.get(plan));
    if (region < REGIONS.size()) {
      ping.putDimensions("region", REGIONS.get(region));
    }
    if (rng.nextBoolean()) {
      ping.putDimensions(UNDECLARED_DIMENSION, BROWSERS.get(rng.nextInt(BROWSERS.size())));
    }
    List<String> metrics = METRICS.get(event);
    for (int m = 0; m < metrics.size(); m++) {
      if (m == 0 || rng.nextDouble() < 0.7) {
        ping.putMetrics(metrics.get(m), value(m, rng));
      }
    }
    if (i % 10 == 0) {
      ping.setPayload("{\"seq\":" + i + ",\"ok\":true}");
    }
    return ping.build();
  }

  /** Invalid ping {@code j}, refused for {@link #invalidReason(int)}. */
  Ping invalid(int j) {
    if (j < 0 || j >= invalid) {
      throw new IndexOutOfBoundsException("invalid ping " + j + " of " + invalid);
    }
    Ping.Builder ping = valid(j % unique).toBuilder().setPingId("bad-" + j).setInstanceId(instanceId(j % INSTANCES));
    return switch (j % 3) {
      case 0 -> ping.setEvent("Search Executed!").build();
      case 1 -> ping.setTimestamp(timestamp(nowMillis + Duration.ofHours(2).toMillis())).build();
      default -> ping.setTimestamp(timestamp(nowMillis - Duration.ofDays(40).toMillis())).build();
    };
  }

  /** Why the service must refuse invalid ping {@code j}. */
  static Reason invalidReason(int j) {
    return switch (j % 3) {
      case 0 -> Reason.INVALID_EVENT;
      case 1 -> Reason.TIMESTAMP_IN_FUTURE;
      default -> Reason.TIMESTAMP_TOO_OLD;
    };
  }

  static long millis(Ping ping) {
    return ping.getTimestamp().getSeconds() * 1000 + ping.getTimestamp().getNanos() / 1_000_000;
  }

  static String instanceId(int instance) {
    String digits = Integer.toString(instance);
    return "inst-" + "00000".substring(Math.min(5, digits.length())) + digits;
  }

  /** Metric {@code m} of an event: the first a latency-like lognormal, the second a count, the third signed. */
  private static double value(int m, SplittableRandom rng) {
    double gaussian = gaussian(rng);
    double raw = switch (m) {
      case 0 -> Math.exp(3.0 + 1.4 * gaussian);
      case 1 -> Math.max(0, Math.floor(Math.exp(1.2 + 1.5 * gaussian) - 1)); // counts: many 0s, a long tail
      default -> rng.nextDouble() < 0.03 ? 0 : (rng.nextDouble() < 0.35 ? -1 : 1) * Math.exp(0.5 * gaussian);
    };
    return Math.round(raw * 1000) / 1000.0 + 0.0; // + 0.0 turns -0.0 into 0.0
  }

  private static double gaussian(SplittableRandom rng) {
    // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
    double u = 1 - rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  private static int pickWeighted(double u) {
    double cumulative = 0;
    for (int e = 0; e < EVENT_WEIGHTS.length - 1; e++) {
      cumulative += EVENT_WEIGHTS[e];
      if (u < cumulative) {
        return e;
      }
    }
    return EVENT_WEIGHTS.length - 1;
  }

  private static int pick(double u, double first, double second) {
    return u < first ? 0 : u < second ? 1 : 2;
  }

  private static Timestamp timestamp(long millis) {
    return Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000)).setNanos(Math.floorMod(millis, 1000) * 1_000_000).build();
  }
}
