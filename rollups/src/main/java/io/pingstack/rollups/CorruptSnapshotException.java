package io.pingstack.rollups;

import java.io.IOException;

/** Bytes of a snapshot that cannot be what the writer wrote. */
final class CorruptSnapshotException extends IOException {
  private static final long serialVersionUID = 1L;

  CorruptSnapshotException(String message) {
    super(message);
  }

  static void check(boolean condition, String message) throws CorruptSnapshotException {
    if (!condition) {
      throw new CorruptSnapshotException(message);
    }
  }
}
