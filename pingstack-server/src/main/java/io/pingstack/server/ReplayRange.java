package io.pingstack.server;

import io.pingstack.model.Wal;
import io.pingstack.model.WalFile;
import io.pingstack.server.ReplayRefusedException.Reason;
import java.time.Instant;
import java.util.List;
import java.util.function.LongFunction;

/**
 * A request's range as positions of records the log holds, {@code [from, to]}, and how many records
 * that is. A from-time is the first record received at or after it, a to-time the last received
 * before it ({@link WalTimes}: a bisection, a few dozen records read); a position in a gap between
 * files moves inwards to the nearest record.
 */
record ReplayRange(long from, long to, long records) {

  /**
   * Resolves {@code request} against the log as it is now.
   *
   * @throws ReplayRefusedException {@link Reason#RANGE_NOT_IN_LOG} when it starts before the log's
   *     oldest record, {@link Reason#EMPTY_RANGE} when it holds no record
   */
  static ReplayRange resolve(Wal wal, ReplayRequest request) {
    List<WalFile> files = wal.files();
    long first = WalReport.firstAtOrAfter(files, 0);
    if (first == Wal.NONE) {
      throw new ReplayRefusedException(Reason.EMPTY_RANGE, "the log is empty: there is nothing to replay");
    }
    LongFunction<Instant> receivedAt = WalTimes.of(wal);
    Instant firstTime = receivedAt.apply(first);
    WalRecords.Bound f = request.from();
    if (f.isTime() ? firstTime != null && f.time().isBefore(firstTime) : f.position() < first) {
      throw new ReplayRefusedException(Reason.RANGE_NOT_IN_LOG, "the log no longer holds the start of the range: its oldest record"
          + " is position " + first + ", received " + (firstTime == null ? "at an unknown time" : firstTime)
          + "; retention deleted what came before (replay from there or later)");
    }
    long from = f.isTime() ? WalTimes.firstReceivedAtOrAfter(files, receivedAt, f.time()) : WalReport.firstAtOrAfter(files, f.position());
    WalRecords.Bound t = request.to();
    long to = t == null ? WalReport.lastAtOrBefore(files, Long.MAX_VALUE)
        : t.isTime() ? WalTimes.lastReceivedBefore(files, receivedAt, t.time())
        : WalReport.lastAtOrBefore(files, t.position());
    if (from == Wal.NONE || to == Wal.NONE || from > to) {
      long last = WalReport.lastAtOrBefore(files, Long.MAX_VALUE);
      throw new ReplayRefusedException(Reason.EMPTY_RANGE, "the range holds no record: the log holds positions " + first + " to " + last
          + ", received " + text(firstTime) + " to " + text(receivedAt.apply(last))
          + " (positions are inclusive, times half-open: [from, to))");
    }
    return new ReplayRange(from, to, 1 + wal.recordsBetween(from, to));
  }

  private static String text(Instant time) {
    return time == null ? "at an unknown time" : time.toString();
  }
}
