package io.pingstack.model;

/** A batch holds more pings than the configured limit (413). */
public final class TooManyPingsException extends Exception {
  private static final long serialVersionUID = 1L;

  public TooManyPingsException(int limit) {
    super("a batch may hold at most " + limit + " pings", null, false, false);
  }
}
