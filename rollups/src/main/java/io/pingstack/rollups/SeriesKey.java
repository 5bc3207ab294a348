package io.pingstack.rollups;

import java.util.Arrays;

/**
 * What a series is keyed by within its event: version, deploy type, then the value of each declared
 * dimension in configuration order ({@code ""} for a missing one).
 *
 * <p>A key in a map is never changed. The one exception is the applying thread's probe, filled from
 * each ping to look its series up without allocating, and copied when a new series is made.
 */
final class SeriesKey {
  static final int VERSION = 0;
  static final int DEPLOY_TYPE = 1;
  static final int FIRST_DIMENSION = 2;

  private final String[] values;
  private int hash;

  private SeriesKey(String[] values) {
    this.values = values;
    rehash();
  }

  static SeriesKey probe(int dimensions) {
    String[] values = new String[FIRST_DIMENSION + dimensions];
    Arrays.fill(values, "");
    return new SeriesKey(values);
  }

  static SeriesKey of(String[] values) {
    return new SeriesKey(values.clone());
  }

  /** Fills the probe from {@code ping}; only for the probe. */
  SeriesKey fill(PingView ping, String[] dimensionKeys) {
    values[VERSION] = orEmpty(ping.version());
    values[DEPLOY_TYPE] = orEmpty(ping.deployType());
    for (int i = 0; i < dimensionKeys.length; i++) {
      values[FIRST_DIMENSION + i] = orEmpty(ping.dimension(dimensionKeys[i]));
    }
    rehash();
    return this;
  }

  static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  SeriesKey copy() {
    return of(values);
  }

  String value(int i) {
    return values[i];
  }

  int width() {
    return values.length;
  }

  private void rehash() {
    hash = Arrays.hashCode(values);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeriesKey other && hash == other.hash && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
