package io.pingstack.gateway;

/**
 * A bearer token that may ingest. {@code name} identifies the holder in logs, metrics and the WAL
 * (never the secret itself); {@code instanceId}, when set, is the only instance it may send for.
 */
public record IngestToken(String name, String secret, String instanceId) {
  @Override
  public String toString() {
    return "IngestToken[" + name + (instanceId == null ? "" : ", bound to " + instanceId) + "]";
  }
}
