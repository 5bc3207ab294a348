package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An answer that is not a success, classified once: an HTTP status, a machine code, a message for a
 * human that never echoes input, and for retryable refusals how long to wait.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final String code;
  private final int retryAfterSeconds;
  private final transient Object details;

  public ApiException(HttpResponseStatus status, String code, String message) {
    this(status, code, message, 0, null);
  }

  ApiException(HttpResponseStatus status, String code, String message, int retryAfterSeconds, Object details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.details = details;
  }

  public static ApiException retryable(HttpResponseStatus status, String code, String message, int retryAfterSeconds) {
    return new ApiException(status, code, message, retryAfterSeconds, null);
  }

  public HttpResponseStatus status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Seconds for {@code Retry-After}; 0 when the header is not sent. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** Extra structured content for the body (the per-ping errors of an all-invalid batch), or null. */
  Object details() {
    return details;
  }
}
