package io.pingstack.load;

import java.nio.charset.StandardCharsets;

/** The byte pasting the text body writers share: pieces and decimal numbers into a heap array. */
final class Ascii {
  /** Enough room for any {@code long} in decimal. */
  static final int MAX_DIGITS = 20;

  private Ascii() {}

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** Copies {@code piece} to {@code b} at {@code at}; returns the index after it. */
  static int copy(byte[] piece, byte[] b, int at) {
    System.arraycopy(piece, 0, b, at, piece.length);
    return at + piece.length;
  }

  /** Writes {@code value} (not negative) in decimal at {@code at}; returns the index after it. */
  static int decimal(long value, byte[] b, int at) {
    int digits = 1;
    for (long v = value / 10; v != 0; v /= 10) {
      digits++;
    }
    for (int i = at + digits - 1; i >= at; i--) {
      b[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    return at + digits;
  }
}
