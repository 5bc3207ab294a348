package io.pingstack.rollups;

/**
 * A question the rollups cannot answer as asked (a dimension that is not declared, a range with too
 * many buckets). The query service answers it with {@code 400} and this code and message.
 */
public final class RollupQueryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public RollupQueryException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** Machine-readable, snake_case. */
  public String code() {
    return code;
  }
}
