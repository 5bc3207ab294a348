package io.pingstack.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OS lock on {@value #FILE} in the log's directory, held for as long as this process uses the
 * log: one process at a time, the writing service or an inspecting command. The kernel drops it
 * when the process dies, so a crash never leaves it stale.
 */
final class DirectoryLock implements AutoCloseable {
  static final String FILE = "pingstack.lock";
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryLock.class);

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock or throws {@link WalLockedException}; {@code dir} must exist. */
  static DirectoryLock acquire(Path dir) throws IOException {
    FileChannel channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new WalLockedException(dir);
    }
    return new DirectoryLock(dir, channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      LOG.warn("cannot release the WAL lock {}: {}", dir.resolve(FILE), e.toString());
    }
  }
}
