package io.pingstack.query;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Times as the query API reads and writes them: parameters are RFC 3339 (any offset, optional
 * fraction, cut to milliseconds) or epoch milliseconds, from 1970 to 9999; answers are RFC 3339 in
 * UTC, with milliseconds only when not zero.
 */
final class Times {
  /** 9999-12-31T23:59:59.999Z: the last instant a four-digit year can write. */
  static final long MAX_MILLIS = 253_402_300_799_999L;
  /** Longest text worth parsing: an RFC 3339 time with nanoseconds and an offset is 35 characters. */
  private static final int MAX_TEXT = 40;
  private static final long MILLIS_PER_DAY = 86_400_000L;

  private Times() {}

  /** Epoch millis of {@code text}, or -1 when it is neither form or lies outside 1970..9999. */
  static long parse(String text) {
    if (text.isEmpty() || text.length() > MAX_TEXT) {
      return -1;
    }
    if (allDigits(text)) {
      if (text.length() > 15) {
        return -1;
      }
      long millis = Long.parseLong(text);
      return millis <= MAX_MILLIS ? millis : -1;
    }
    try {
      long millis = OffsetDateTime.parse(unspaced(text), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
      return millis >= 0 && millis <= MAX_MILLIS ? millis : -1;
    } catch (DateTimeParseException | ArithmeticException e) {
      return -1;
    }
  }

  /**
   * RFC 3339 allows a space between date and time; and a {@code +} offset written unencoded in a URL
   * arrives as a space. Both are put back, so {@code 2026-11-21 10:00:00+02:00} reads as meant.
   */
  private static String unspaced(String text) {
    if (text.indexOf(' ') < 0) {
      return text;
    }
    char[] chars = text.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      if (chars[i] == ' ') {
        chars[i] = i == 10 ? 'T' : '+';
      }
    }
    return new String(chars);
  }

  private static boolean allDigits(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Writes {@code epochMillis} as RFC 3339 UTC into {@code out} (at least 32 chars); returns the length. */
  static int format(long epochMillis, char[] out) {
    if (epochMillis < 0 || epochMillis > MAX_MILLIS) {
      String text = Instant.ofEpochMilli(epochMillis).toString();
      text.getChars(0, text.length(), out, 0);
      return text.length();
    }
    long days = epochMillis / MILLIS_PER_DAY;
    int millisOfDay = (int) (epochMillis % MILLIS_PER_DAY);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian).
    long z = days + 719_468;
    long era = z / 146_097;
    long dayOfEra = z - era * 146_097;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long mp = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, millisOfDay / 3_600_000, 2);
    out[13] = ':';
    digits(out, 14, millisOfDay / 60_000 % 60, 2);
    out[16] = ':';
    digits(out, 17, millisOfDay / 1000 % 60, 2);
    int millis = millisOfDay % 1000;
    if (millis == 0) {
      out[19] = 'Z';
      return 20;
    }
    out[19] = '.';
    digits(out, 20, millis, 3);
    out[23] = 'Z';
    return 24;
  }

  /** {@link #format(long, char[])} as a string, for answers that are not on a hot path. */
  static String format(long epochMillis) {
    char[] buffer = new char[32];
    return new String(buffer, 0, format(epochMillis, buffer));
  }

  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
