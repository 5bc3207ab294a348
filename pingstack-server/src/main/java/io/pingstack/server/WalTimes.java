package io.pingstack.server;

import io.pingstack.model.Wal;
import io.pingstack.model.WalFile;
import java.time.Instant;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Finds records by when the gateway received them, by bisection over the log's files and then over
 * one file's positions (dense within a file): a few dozen records are read, whatever the log's size.
 * It relies on times of receipt growing with positions, which holds up to the milliseconds a request
 * waits for the writer. A record that does not decode (a null time) counts as received late.
 */
final class WalTimes {
  private WalTimes() {}

  /** When the record at a position was received, reading only that ({@link WalReport#receivedAt}). */
  static LongFunction<Instant> of(Wal wal) {
    return position -> WalReport.receivedAt(wal, position);
  }

  /** The first position whose record was received at or after {@code time}; NONE when none was. */
  static long firstReceivedAtOrAfter(List<WalFile> files, LongFunction<Instant> receivedAt, Instant time) {
    List<WalFile> held = files.stream().filter(f -> f.records() > 0).toList();
    int lo = 0;
    int hi = held.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (before(receivedAt.apply(held.get(mid).lastPosition()), time)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == held.size()) {
      return Wal.NONE;
    }
    long first = held.get(lo).firstPosition();
    long last = held.get(lo).lastPosition();
    while (first < last) {
      long mid = first + (last - first) / 2;
      if (before(receivedAt.apply(mid), time)) {
        first = mid + 1;
      } else {
        last = mid;
      }
    }
    return first;
  }

  /** The last position whose record was received before {@code time}; NONE when none was. */
  static long lastReceivedBefore(List<WalFile> files, LongFunction<Instant> receivedAt, Instant time) {
    long firstNotBefore = firstReceivedAtOrAfter(files, receivedAt, time);
    return WalReport.lastAtOrBefore(files, firstNotBefore == Wal.NONE ? Long.MAX_VALUE : firstNotBefore - 1);
  }

  private static boolean before(Instant at, Instant time) {
    return at != null && at.isBefore(time);
  }
}
