package io.pingstack.model;

/** The log cannot take a record right now. Retryable unless {@link Cause#permanent()} says otherwise. */
public final class WalUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why appends are refused. */
  public enum Cause {
    /** The append queue is full: the disk cannot keep up. */
    BACKPRESSURE("wal_backpressure", false),
    /** Free disk space is under the configured reserve. */
    DISK_RESERVE("disk_reserve_reached", false),
    /** A write or sync failed: nothing is acknowledged until an operator restarts the service. */
    FAILED("wal_failed", true),
    /** The log is closing. */
    CLOSED("shutting_down", true);

    private final String code;
    private final boolean permanent;

    Cause(String code, boolean permanent) {
      this.code = code;
      this.permanent = permanent;
    }

    public String code() {
      return code;
    }

    /** True when waiting will not help this process (a restart or another node will). */
    public boolean permanent() {
      return permanent;
    }
  }

  private final Cause cause;

  public WalUnavailableException(Cause cause, String message) {
    super(message, null, false, false);
    this.cause = cause;
  }

  public WalUnavailableException(Cause cause, String message, Throwable error) {
    super(message, error, false, false);
    this.cause = cause;
  }

  public Cause reason() {
    return cause;
  }
}
