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
 * and one {@link #event} piece (event, metrics, dimensions) drawn from an {@link EventMix}: a uniform
 * pick among the {@link #EVENT_VARIANTS} event pieces follows the mix's shares.
 */
final class PingTemplates {
  /** Event variants per template set: enough that metric values do not repeat in a short window. */
  static final int EVENT_VARIANTS = 4096;

  private static final String[] VERSIONS = {"5.3.0", "5.3.0", "5.3.0", "5.2.7", "5.2.7", "5.4.1", "5.1.9", "6.0.0"};
  private static final String[] DEPLOY_TYPES = {"kubernetes", "kubernetes", "docker-compose", "binary", "helm"};

  private final byte[][] instances;
  private final byte[][] instanceIds;
  private final byte[][] events;
  private final int maxPieces;

  /** The templates of {@code options}' run: its seed, instances and event mix. */
  static PingTemplates forRun(LoadOptions options) {
    return new PingTemplates(options.seed(), options.instances(), options.mix());
  }

  PingTemplates(long seed, int instanceCount, EventMix mix) {
    SplittableRandom random = new SplittableRandom(seed);
    instances = new byte[instanceCount][];
    instanceIds = new byte[instanceCount][];
    int maxInstance = 0;
    for (int i = 0; i < instanceCount; i++) {
      String instanceId = new UUID(random.nextLong(), random.nextLong()).toString();
      instanceIds[i] = Ascii.bytes(instanceId);
      instances[i] = Ping.newBuilder()
          .setInstanceId(instanceId)
          .setVersion(pick(random, VERSIONS))
          .setDeployType(pick(random, DEPLOY_TYPES))
          .build()
          .toByteArray();
      maxInstance = Math.max(maxInstance, instances[i].length);
    }
    events = mix.variants(EVENT_VARIANTS, random);
    int maxEvent = 0;
    for (byte[] event : events) {
      maxEvent = Math.max(maxEvent, event.length);
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

  /** The id of instance {@code i}, in ASCII (a UUID). Callers must not modify the array. */
  byte[] instanceId(int i) {
    return instanceIds[i];
  }

  /** Fields 4, 7 and 8 of event variant {@code i}. Callers must not modify the array. */
  byte[] event(int i) {
    return events[i];
  }

  /** The largest instance piece plus the largest event piece, for sizing buffers. */
  int maxPieces() {
    return maxPieces;
  }

  private static String pick(SplittableRandom random, String[] values) {
    return values[random.nextInt(values.length)];
  }
}
