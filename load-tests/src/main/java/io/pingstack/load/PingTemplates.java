package io.pingstack.load;

import io.pingstack.model.proto.Ping;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Pre-encoded pieces of realistic pings, built once from a seed so that writing a request costs
 * little more than copying bytes (see {@link PingBodies}). Immutable; shared by every connection.
 *
 * <p>A serialized protobuf message is the concatenation of its fields in any order, so a ping is
 * written as its id, one {@link #instance} piece (instance id, version, deploy type), the timestamp
 * and one {@link #event} piece (event, metrics, dimensions).
 */
final class PingTemplates {
  /** Event variants per template set: enough that metric values do not repeat in a short window. */
  static final int EVENT_VARIANTS = 4096;

  private static final String[] VERSIONS = {"5.3.0", "5.3.0", "5.3.0", "5.2.7", "5.2.7", "5.4.1", "5.1.9", "6.0.0"};
  private static final String[] DEPLOY_TYPES = {"kubernetes", "kubernetes", "docker-compose", "binary", "helm"};
  private static final String[] CLIENTS = {"web", "vscode", "jetbrains", "cli"};
  private static final String[] LANGUAGES = {"go", "java", "typescript", "python", "rust"};

  private final byte[][] instances;
  private final byte[][] events;
  private final int maxPieces;

  PingTemplates(long seed, int instanceCount) {
    SplittableRandom random = new SplittableRandom(seed);
    instances = new byte[instanceCount][];
    int maxInstance = 0;
    for (int i = 0; i < instanceCount; i++) {
      instances[i] = Ping.newBuilder()
          .setInstanceId(new UUID(random.nextLong(), random.nextLong()).toString())
          .setVersion(pick(random, VERSIONS))
          .setDeployType(pick(random, DEPLOY_TYPES))
          .build()
          .toByteArray();
      maxInstance = Math.max(maxInstance, instances[i].length);
    }
    events = new byte[EVENT_VARIANTS][];
    int maxEvent = 0;
    for (int i = 0; i < EVENT_VARIANTS; i++) {
      events[i] = event(random).build().toByteArray();
      maxEvent = Math.max(maxEvent, events[i].length);
    }
    maxPieces = maxInstance + maxEvent;
  }

  int instanceCount() {
    return instances.length;
  }

  /** Fields 2, 5 and 6 of instance {@code i}. Callers must not modify the array. */
  byte[] instance(int i) {
    return instances[i];
  }

  /** Fields 4, 7 and 8 of event variant {@code i}. Callers must not modify the array. */
  byte[] event(int i) {
    return events[i];
  }

  /** The largest instance piece plus the largest event piece, for sizing buffers. */
  int maxPieces() {
    return maxPieces;
  }

  /** One of five event shapes, each with 2-3 metrics and 1-2 dimensions. */
  private static Ping.Builder event(SplittableRandom r) {
    Ping.Builder p = Ping.newBuilder();
    return switch (r.nextInt(5)) {
      case 0 -> p.setEvent("search.executed")
          .putMetrics("duration_ms", r.nextInt(5, 3000))
          .putMetrics("results", r.nextInt(0, 500))
          .putDimensions("search_type", r.nextBoolean() ? "literal" : "regexp")
          .putDimensions("client", pick(r, CLIENTS));
      case 1 -> p.setEvent("code_intel.hover")
          .putMetrics("latency_ms", r.nextInt(1, 800))
          .putMetrics("bytes", r.nextInt(64, 65536))
          .putDimensions("language", pick(r, LANGUAGES));
      case 2 -> p.setEvent("batch_changes.applied")
          .putMetrics("changesets", r.nextInt(1, 200))
          .putMetrics("duration_ms", r.nextInt(100, 60000))
          .putMetrics("errors", r.nextInt(0, 3))
          .putDimensions("code_host", r.nextBoolean() ? "github" : "gitlab");
      case 3 -> p.setEvent("user.signed_in")
          .putMetrics("active_users", r.nextInt(1, 5000))
          .putMetrics("sessions", r.nextInt(1, 20))
          .putDimensions("auth_provider", r.nextBoolean() ? "saml" : "builtin");
      default -> p.setEvent("insights.viewed")
          .putMetrics("insights", r.nextInt(1, 40))
          .putMetrics("render_ms", r.nextDouble() * 900)
          .putDimensions("view", r.nextBoolean() ? "dashboard" : "detail")
          .putDimensions("client", pick(r, CLIENTS));
    };
  }

  private static String pick(SplittableRandom random, String[] values) {
    return values[random.nextInt(values.length)];
  }
}
