package io.pingstack.model;

/** The request body cannot be read as a batch of pings at all (400). The message never echoes input. */
public final class MalformedBodyException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedBodyException(String message) {
    super(message, null, false, false);
  }
}
