package io.pingstack.load;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Pre-encoded timestamp fields (field 3 of a ping) drawn uniformly from {@code [start - spread,
 * start]}, for runs whose pings are spread over past days: a ping picks one at random instead of
 * encoding its own. Immutable; shared by every connection.
 */
final class TimestampTable {
  /** Distinct timestamps per run: over 7 days, one every ~9 s, so every minute bucket gets some. */
  static final int SIZE = 1 << 16;

  private final byte[][] fields = new byte[SIZE][];
  private final long[] millis = new long[SIZE];
  private final long startMillis;
  private final long spreadMillis;

  /** The table of {@code options}' run starting now, or null when its pings are timestamped now ({@code --time-spread} 0). */
  static TimestampTable forRun(LoadOptions options) {
    return options.timeSpread().isZero() ? null : new TimestampTable(System.currentTimeMillis(), options.timeSpread(), options.seed());
  }

  TimestampTable(long startMillis, Duration spread, long seed) {
    this.startMillis = startMillis;
    this.spreadMillis = spread.toMillis();
    if (spreadMillis <= 0) {
      throw new IllegalArgumentException("the time spread must be positive: " + spread);
    }
    SplittableRandom random = new SplittableRandom(seed ^ startMillis);
    for (int i = 0; i < SIZE; i++) {
      millis[i] = startMillis - random.nextLong(spreadMillis + 1);
      fields[i] = encode(millis[i]);
    }
  }

  /** The field of timestamp {@code i}, {@code 0 <= i < SIZE}. Callers must not modify the array. */
  byte[] field(int i) {
    return fields[i];
  }

  /** Timestamp {@code i} in milliseconds since the epoch: the one {@link #field}(i) encodes. */
  long millis(int i) {
    return millis[i];
  }

  long startMillis() {
    return startMillis;
  }

  long spreadMillis() {
    return spreadMillis;
  }

  /** Field 3 of a ping at {@code millis}: tag, length, and the {@code Timestamp} message. */
  static byte[] encode(long millis) {
    byte[] value = Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(millis, 1000L))
        .setNanos((int) Math.floorMod(millis, 1000L) * 1_000_000)
        .build()
        .toByteArray(); // at most 17 bytes, so its length is a one-byte varint
    byte[] field = new byte[2 + value.length];
    field[0] = 3 << 3 | 2; // Ping.timestamp, length-delimited
    field[1] = (byte) value.length;
    System.arraycopy(value, 0, field, 2, value.length);
    return field;
  }
}
