package io.pingstack.rollups;

/**
 * How far back each step's cells are kept. A cell is kept while any part of its bucket is within
 * retention, so a ping is applied to a step exactly when its cell would be kept.
 */
final class Retention {
  private final long minuteMillis;
  private final long hourMillis;
  private final long dayMillis;

  Retention(RollupsConfig config) {
    minuteMillis = config.minuteRetention().toMillis();
    hourMillis = config.hourRetention().toMillis();
    dayMillis = config.dayRetention().toMillis();
  }

  long millis(Step step) {
    return switch (step) {
      case MINUTE -> minuteMillis;
      case HOUR -> hourMillis;
      case DAY -> dayMillis;
    };
  }

  /** The first bucket number ({@code floor(start / step)}) of {@code step} still kept at {@code nowMillis}. */
  long firstKept(Step step, long nowMillis) {
    return Math.floorDiv(nowMillis - millis(step), step.millis());
  }

  long longest() {
    return Math.max(minuteMillis, Math.max(hourMillis, dayMillis));
  }
}
