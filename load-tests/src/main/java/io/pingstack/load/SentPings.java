package io.pingstack.load;

/**
 * The pings of one connection's request or call in flight, in the order its body writer wrote them,
 * as the {@link Ledger} names them: each ping's instance id, and its ping id, {@code <idPrefix><sequence>}
 * (a connection's sequences run on without gaps). Reused from one request to the next; confined to
 * the connection's thread.
 */
final class SentPings {
  private final byte[] idPrefix;
  private byte[][] instanceIds = new byte[64][];
  private long firstSequence;
  private int count;

  SentPings(byte[] idPrefix) {
    this.idPrefix = idPrefix;
  }

  /** Forgets the pings of the last request: the next request starts. */
  void clear() {
    count = 0;
  }

  /** A ping was written; {@code instanceId} is a template's array, shared, never modified. */
  void add(long sequence, byte[] instanceId) {
    if (count == 0) {
      firstSequence = sequence;
    }
    if (count == instanceIds.length) {
      instanceIds = java.util.Arrays.copyOf(instanceIds, count * 2);
    }
    instanceIds[count++] = instanceId;
  }

  int count() {
    return count;
  }

  /** The ASCII instance id of ping {@code i}. Callers must not modify the array. */
  byte[] instanceId(int i) {
    return instanceIds[i];
  }

  /** Ping {@code i}'s id is {@link #idPrefix} followed by this number in decimal. */
  long sequence(int i) {
    return firstSequence + i;
  }

  /** Callers must not modify the array. */
  byte[] idPrefix() {
    return idPrefix;
  }
}
