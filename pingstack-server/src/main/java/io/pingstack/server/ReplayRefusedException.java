package io.pingstack.server;

/**
 * A replay that is not started, and why; {@link ReplayEndpoint} turns the reason into an HTTP status
 * and code, the command line into its exit code. The message is for an operator and never repeats
 * the request's text.
 */
final class ReplayRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  enum Reason {
    /** A field is missing or malformed, or {@code from} is after {@code to}. */
    INVALID("invalid_replay"),
    /** The range holds no record of the log. */
    EMPTY_RANGE("empty_range"),
    /** The range starts before the log's oldest record: retention deleted it. */
    RANGE_NOT_IN_LOG("range_not_in_log"),
    /** Another replay runs; one runs at a time. */
    REPLAY_RUNNING("replay_running"),
    /** The service is stopping. */
    SHUTTING_DOWN("shutting_down");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    String code() {
      return code;
    }
  }

  private final Reason reason;

  ReplayRefusedException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }
}
