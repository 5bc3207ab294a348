package io.pingstack.model;

/** A record in the log does not decode. */
public final class WalCorruptException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long position;

  public WalCorruptException(long position, Throwable cause) {
    super("WAL record at position " + position + " does not decode: " + cause.getMessage(), cause);
    this.position = position;
  }

  public long position() {
    return position;
  }
}
