package io.pingstack.engine;

/** One WAL record needs more vector memory than a whole batch may use: the consumer cannot go on. */
final class RecordTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RecordTooLargeException(long position, int pings, long limitBytes, Throwable cause) {
    super("WAL record at position " + position + " (" + pings + " pings) needs more than the "
        + limitBytes + " bytes of vector memory a batch may use; raise the consumer's maxBytes", cause);
  }
}
