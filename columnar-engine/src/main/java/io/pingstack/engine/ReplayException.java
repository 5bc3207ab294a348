package io.pingstack.engine;

/** A replay that cannot be done as asked; the message says why and what to do, for an operator. */
public class ReplayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReplayException(String message) {
    super(message);
  }

  public ReplayException(String message, Throwable cause) {
    super(message, cause);
  }
}
