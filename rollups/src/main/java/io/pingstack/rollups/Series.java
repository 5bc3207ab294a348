package io.pingstack.rollups;

/**
 * The cells of one series, one {@link Timeline} per {@link Step}. Guarded by its event's lock,
 * except {@link #frozen}.
 */
final class Series {
  final SeriesKey key;
  /**
   * While a snapshot being written has not yet written this series: its timelines as they were when
   * the snapshot was frozen ({@link #freeze}). The cells they hold belong to the snapshot: the
   * applying thread replaces such a cell by a copy before it changes it. Set by the applying thread,
   * cleared by the snapshot's writer once it has written them.
   */
  volatile Series frozen;
  /** While a batch is being applied: this series' index among the batch's ({@link StagedPings}), else -1. Applying thread. */
  int staged = -1;
  private final Timeline<Cell> minutes = new Timeline<>();
  private final Timeline<Cell> hours = new Timeline<>();
  private final Timeline<Cell> days = new Timeline<>();

  Series(SeriesKey key) {
    this.key = key;
  }

  Timeline<Cell> timeline(Step step) {
    return switch (step) {
      case MINUTE -> minutes;
      case HOUR -> hours;
      case DAY -> days;
    };
  }

  /** Copies the timelines (sharing their cells) into {@link #frozen}, and returns the copy. Applying thread. */
  Series freeze() {
    Series copy = new Series(key);
    copy.minutes.copyFrom(minutes);
    copy.hours.copyFrom(hours);
    copy.days.copyFrom(days);
    frozen = copy;
    return copy;
  }

  /**
   * The cell of {@code bucket} at {@code step}, about to change: a copy put in its place when the
   * cell belongs to a snapshot being written. Applying thread, under the event's write lock.
   */
  Cell toChange(Step step, int bucket, Cell cell) {
    Series snapshot = frozen;
    if (snapshot == null || snapshot.timeline(step).get(bucket) != cell) {
      return cell;
    }
    Cell copy = cell.copy();
    timeline(step).put(bucket, copy);
    return copy;
  }

  int cellCount() {
    return minutes.size() + hours.size() + days.size();
  }
}
