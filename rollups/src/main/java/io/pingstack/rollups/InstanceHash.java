package io.pingstack.rollups;

/**
 * The 64-bit hash an instance id is counted by in distinct-instance cells. Exact cells compare these
 * hashes, HLL sketches hash them again: both see the same instance as the same value. Collisions
 * among a million ids have a probability near 3e-8, far below the sketches' own error.
 */
final class InstanceHash {
  private InstanceHash() {}

  static long of(String instanceId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < instanceId.length(); i++) {
      h = (h ^ instanceId.charAt(i)) * 0x100000001b3L;
    }
    // FNV-1a spreads poorly over the high bits; the MurmurHash3 finaliser fixes that.
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }
}
