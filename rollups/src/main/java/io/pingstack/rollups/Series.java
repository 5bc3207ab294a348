package io.pingstack.rollups;

/** The cells of one series, one {@link Timeline} per {@link Step}. Guarded by its event's lock. */
final class Series {
  final SeriesKey key;
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

  int cellCount() {
    return minutes.size() + hours.size() + days.size();
  }
}
