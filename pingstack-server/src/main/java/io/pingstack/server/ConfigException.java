package io.pingstack.server;

/** The configuration is wrong; the message says which setting and why. */
final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ConfigException(String message) {
    super(message, null, false, false);
  }
}
