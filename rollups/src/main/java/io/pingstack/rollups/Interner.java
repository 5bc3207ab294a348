package io.pingstack.rollups;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Shares one copy of the few distinct versions and deploy types among many instance records. Bounded:
 * once full it hands values back unshared, so a flood of distinct values costs no more than not
 * interning.
 */
final class Interner {
  private final ConcurrentHashMap<String, String> values = new ConcurrentHashMap<>();
  private final int max;

  Interner(int max) {
    this.max = max;
  }

  String intern(String value) {
    String shared = values.get(value);
    if (shared != null) {
      return shared;
    }
    if (values.size() >= max) {
      return value;
    }
    shared = values.putIfAbsent(value, value);
    return shared == null ? value : shared;
  }
}
