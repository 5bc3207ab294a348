package io.pingstack.rollups;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit hash an instance id is counted by in distinct-instance cells. Exact cells compare these
 * hashes, HLL sketches hash them again: both see the same instance as the same value. Collisions
 * among a million ids have a probability near 3e-8, far below the sketches' own error.
 */
final class InstanceHash {
  private static final long BASIS = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private InstanceHash() {}

  static long of(String instanceId) {
    long h = BASIS;
    for (int i = 0; i < instanceId.length(); i++) {
      h = (h ^ instanceId.charAt(i)) * PRIME;
    }
    return finish(h);
  }

  /**
   * {@link #of} the id whose UTF-8 bytes are {@code utf8[0, length)}, without making it a {@code
   * String} when it is ASCII (one byte per UTF-16 char, the same value).
   */
  static long ofUtf8(byte[] utf8, int length) {
    long h = BASIS;
    for (int i = 0; i < length; i++) {
      byte b = utf8[i];
      if (b < 0) {
        return of(new String(utf8, 0, length, StandardCharsets.UTF_8));
      }
      h = (h ^ b) * PRIME;
    }
    return finish(h);
  }

  private static long finish(long h) {
    // FNV-1a spreads poorly over the high bits; the MurmurHash3 finaliser fixes that.
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }
}
