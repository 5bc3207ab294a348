package io.pingstack.rollups;

import java.time.Duration;
import java.util.Locale;

/** The resolutions rollup cells are kept at. A bucket's start is its time aligned down to the step (UTC). */
public enum Step {
  MINUTE("1m", Duration.ofMinutes(1)),
  HOUR("1h", Duration.ofHours(1)),
  DAY("1d", Duration.ofDays(1));

  private final String code;
  private final long millis;

  Step(String code, Duration length) {
    this.code = code;
    this.millis = length.toMillis();
  }

  /** As written in API.md: {@code 1m}, {@code 1h}, {@code 1d}. */
  public String code() {
    return code;
  }

  public long millis() {
    return millis;
  }

  /** The start of the bucket holding {@code epochMillis}. */
  public long alignDown(long epochMillis) {
    return Math.floorDiv(epochMillis, millis) * millis;
  }

  /** The step written as in API.md, or null when {@code code} names none. */
  public static Step parse(String code) {
    for (Step s : values()) {
      if (s.code.equals(code.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    return null;
  }
}
