package io.pingstack.wal;

import java.nio.file.Path;

/** Another process (the running service, or a {@code bin/pingstack wal} command) holds the log's directory lock. */
public final class WalLockedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  WalLockedException(Path dir) {
    super("cannot open WAL " + dir + ": another process holds " + DirectoryLock.FILE);
  }
}
