package io.pingstack.model;

/** A position the log no longer holds: retention deleted the file it was in. */
public final class WalPositionDeletedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long position;
  private final long firstPosition;

  public WalPositionDeletedException(long position, long firstPosition) {
    super("the WAL no longer holds position " + position + ": its oldest record is at position " + firstPosition);
    this.position = position;
    this.firstPosition = firstPosition;
  }

  public long position() {
    return position;
  }

  /** The log's oldest position when the request was refused. */
  public long firstPosition() {
    return firstPosition;
  }
}
