package io.pingstack.model;

import java.util.Locale;

/**
 * Something that keeps log files from retention. Retention keeps the file holding {@code position}
 * and every later file ({@link Wal#NONE}: every file).
 *
 * @param name the consumer's or the pin's name
 * @param kind what holds the files
 * @param position a consumer's durable position (it needs every record after it), or the first
 *     position a {@link Wal.Pin} keeps
 */
public record RetentionPin(String name, Kind kind, long position) {
  /** What holds log files. */
  public enum Kind {
    /** A registered consumer ({@link Wal#registerConsumer}). */
    CONSUMER,
    /** A {@link Wal.Pin}, such as a running replay's. */
    PIN;

    /** The lower-case name used in JSON and metrics. */
    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
