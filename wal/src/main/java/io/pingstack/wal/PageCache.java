package io.pingstack.wal;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.File;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linux's {@code posix_fadvise(POSIX_FADV_DONTNEED)} through JNA: the kernel drops a range
 * of a file's pages from the page cache once they are clean and no longer mapped. It never discards
 * data: dirty pages are queued for writeback and skipped, and a later read finds the bytes on disk.
 * Java has no call for it; JNA is on the class path with Chronicle.
 */
final class PageCache {
  private static final Logger LOG = LoggerFactory.getLogger(PageCache.class);
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;
  private static final int POSIX_FADV_DONTNEED = 4;

  private final Function open;
  private final Function close;
  private final Function fadvise;

  private PageCache(NativeLibrary libc) {
    this.open = libc.getFunction("open");
    this.close = libc.getFunction("close");
    this.fadvise = libc.getFunction("posix_fadvise");
  }

  /**
   * The C library's calls; null, with the reason logged, off Linux (the flag values above are
   * Linux's) or without JNA.
   */
  static PageCache loadOrNull() {
    String os = System.getProperty("os.name", "");
    String missing;
    if (os.startsWith("Linux")) {
      try {
        return new PageCache(NativeLibrary.getInstance("c"));
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        missing = "posix_fadvise is not available: " + e.getMessage();
      }
    } else {
      missing = "posix_fadvise is only called on Linux, not " + os;
    }
    LOG.info("WAL pages are left in the page cache after they are read: {}", missing);
    return null;
  }

  /**
   * Advises the kernel that {@code [from, to)} of {@code file} is not needed; returns 0, or the
   * error number of {@code open} or {@code posix_fadvise}.
   */
  int dropClean(File file, long from, long to) {
    int fd = open.invokeInt(new Object[] {file.getPath(), O_RDONLY | O_CLOEXEC});
    if (fd < 0) {
      return Native.getLastError();
    }
    try {
      return fadvise.invokeInt(new Object[] {fd, from, to - from, POSIX_FADV_DONTNEED});
    } finally {
      close.invokeInt(new Object[] {fd});
    }
  }
}
