package io.pingstack.load;

import io.pingstack.model.proto.Ping;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The events a run's pings are drawn from, each with its share of the pings, its metrics (value
 * ranges) and its dimensions (value sets). Either the five product events, in equal shares, or
 * {@code n} feature events {@code feature1.used .. feature<n>.used} whose shares follow Zipf's law
 * (share of the k-th ∝ 1/k), each with 1-3 metrics and 1-2 dimensions chosen from the seed.
 * Every dimension key comes from one small pool ({@link #POOL_DIMENSIONS}), so the keys a server must
 * declare are known before a run. Immutable.
 */
final class EventMix {
  /** API.md section 1's rule for event names and metric keys. */
  static final Pattern EVENT_NAME = Pattern.compile("^[a-z][a-z0-9_.-]{0,127}$");
  /** At most this many feature events, so that each still gets a few of the pre-encoded variants. */
  static final int MAX_FEATURES = 256;

  record Metric(String name, double min, double max, boolean integral) {}

  record Dimension(String key, List<String> values) {}

  record Shape(String name, List<Metric> metrics, List<Dimension> dimensions) {}

  private static final Dimension CLIENT = dimension("client", "web", "vscode", "jetbrains", "cli");
  private static final Dimension LANGUAGE = dimension("language", "go", "java", "typescript", "python", "rust");
  private static final Dimension CODE_HOST = dimension("code_host", "github", "gitlab");
  private static final Dimension AUTH_PROVIDER = dimension("auth_provider", "saml", "builtin");
  private static final Dimension VIEW = dimension("view", "dashboard", "detail");
  private static final Dimension SEARCH_TYPE = dimension("search_type", "literal", "regexp");
  static final List<Dimension> POOL_DIMENSIONS = List.of(CLIENT, LANGUAGE, CODE_HOST, AUTH_PROVIDER, VIEW, SEARCH_TYPE);
  private static final List<Metric> POOL_METRICS = List.of(
      integral("duration_ms", 5, 3000), integral("items", 0, 500), integral("bytes", 64, 65536),
      integral("errors", 0, 3), new Metric("render_ms", 0, 900, false), integral("latency_ms", 1, 800));

  private final List<Shape> shapes;
  private final double[] shares;

  private EventMix(List<Shape> shapes, double[] weights) {
    this.shapes = List.copyOf(shapes);
    double sum = 0;
    for (double w : weights) {
      sum += w;
    }
    this.shares = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      shares[i] = weights[i] / sum;
    }
  }

  /** The five product events when {@code features} is 0, else {@link #features}. */
  static EventMix of(int features, long seed) {
    return features == 0 ? product() : features(features, seed);
  }

  static EventMix product() {
    List<Shape> shapes = List.of(
        new Shape("search.executed", List.of(integral("duration_ms", 5, 3000), integral("results", 0, 500)),
            List.of(SEARCH_TYPE, CLIENT)),
        new Shape("code_intel.hover", List.of(integral("latency_ms", 1, 800), integral("bytes", 64, 65536)),
            List.of(LANGUAGE)),
        new Shape("batch_changes.applied", List.of(integral("changesets", 1, 200),
            integral("duration_ms", 100, 60000), integral("errors", 0, 3)), List.of(CODE_HOST)),
        new Shape("user.signed_in", List.of(integral("active_users", 1, 5000), integral("sessions", 1, 20)),
            List.of(AUTH_PROVIDER)),
        new Shape("insights.viewed", List.of(integral("insights", 1, 40), new Metric("render_ms", 0, 900, false)),
            List.of(VIEW, CLIENT)));
    return new EventMix(shapes, new double[] {1, 1, 1, 1, 1});
  }

  /** {@code count} feature events, the k-th (from 1) weighted 1/k. */
  static EventMix features(int count, long seed) {
    Args.requireRange("--events", count, 1, MAX_FEATURES);
    SplittableRandom random = new SplittableRandom(seed ^ 0x5EED_F00DL);
    List<Shape> shapes = new ArrayList<>(count);
    double[] weights = new double[count];
    for (int k = 1; k <= count; k++) {
      List<Metric> metrics = new ArrayList<>(POOL_METRICS);
      Collections.shuffle(metrics, new java.util.Random(random.nextLong()));
      List<Dimension> dimensions = new ArrayList<>(POOL_DIMENSIONS);
      Collections.shuffle(dimensions, new java.util.Random(random.nextLong()));
      shapes.add(new Shape("feature" + k + ".used", metrics.subList(0, 1 + random.nextInt(3)),
          dimensions.subList(0, 1 + random.nextInt(2))));
      weights[k - 1] = 1.0 / k;
    }
    return new EventMix(shapes, weights);
  }

  /** In order of decreasing share for feature events; the product events in a fixed order. */
  List<Shape> shapes() {
    return shapes;
  }

  /** The intended fraction of pings of shape {@code i}; {@link #variants} realises it to 1/variants. */
  double share(int i) {
    return shares[i];
  }

  /** Every dimension key some shape uses. */
  SortedSet<String> dimensionKeys() {
    SortedSet<String> keys = new TreeSet<>();
    for (Shape shape : shapes) {
      shape.dimensions().forEach(d -> keys.add(d.key()));
    }
    return keys;
  }

  boolean hasEvent(String name) {
    return shapes.stream().anyMatch(s -> s.name().equals(name));
  }

  /**
   * {@code count} encoded event pieces (fields 4, 7 and 8 of a ping) with random values, shape
   * {@code i} taking {@link #share}(i) of them by largest remainder, so that a uniform pick among
   * them follows the shares. Every shape gets at least one when {@code count} is large enough.
   */
  byte[][] variants(int count, SplittableRandom random) {
    int[] perShape = new int[shapes.size()];
    double[] remainders = new double[shapes.size()];
    int given = 0;
    for (int i = 0; i < perShape.length; i++) {
      double exact = shares[i] * count;
      perShape[i] = (int) Math.floor(exact);
      remainders[i] = exact - perShape[i];
      given += perShape[i];
    }
    for (; given < count; given++) {
      int best = 0;
      for (int i = 1; i < remainders.length; i++) {
        best = remainders[i] > remainders[best] ? i : best;
      }
      perShape[best]++;
      remainders[best] = -1;
    }
    byte[][] variants = new byte[count][];
    int at = 0;
    for (int i = 0; i < perShape.length; i++) {
      for (int n = 0; n < perShape[i]; n++) {
        variants[at++] = encode(shapes.get(i), random);
      }
    }
    return variants;
  }

  private static byte[] encode(Shape shape, SplittableRandom random) {
    Ping.Builder ping = Ping.newBuilder().setEvent(shape.name());
    for (Metric m : shape.metrics()) {
      ping.putMetrics(m.name(), m.integral()
          ? (double) random.nextLong((long) m.min(), (long) m.max())
          : m.min() + random.nextDouble() * (m.max() - m.min()));
    }
    for (Dimension d : shape.dimensions()) {
      ping.putDimensions(d.key(), d.values().get(random.nextInt(d.values().size())));
    }
    return ping.build().toByteArray();
  }

  private static Metric integral(String name, long min, long max) {
    return new Metric(name, min, max, true);
  }

  private static Dimension dimension(String key, String... values) {
    return new Dimension(key, List.of(values));
  }
}
