package io.pingstack.wal;

import java.io.File;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops from the page cache the pages of the log that nobody in this process will read again: every
 * open reader has read past them, a sync has covered them, and they are not among the newest {@code
 * keepBytes} of the log (which a restart reads again: the dedup window is rebuilt from the newest
 * pings). Once a second, on its own thread. A consumer that replays from further back after a restart
 * reads the rest from disk.
 *
 * <p>Why: the log is written through a memory mapping, and every page the writer reaches is a new
 * page of the page cache that the kernel must find and zero. Without this, the log's cache grows
 * until memory runs short and the kernel reclaims it. With it, the pages the writer needs come back
 * from those the readers left a moment ago; on the virtual machines measured in
 * docs/BENCHMARKS.md, where memory the guest has not used for a while is slow to touch again, that
 * took about a third off the writer's CPU per ping. A mapped page is not dropped (Chronicle maps the
 * log in blocks around the writer and each reader), so each pass covers again the {@code recover}
 * bytes before where the last one ended.
 *
 * <p>Positions here are marks: a file's cycle and a byte offset in it packed into one long, so they
 * compare in log order ({@link #mark}).
 */
final class PageCacheTrimmer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PageCacheTrimmer.class);
  private static final int OFFSET_BITS = 40;
  private static final long MAX_OFFSET = (1L << OFFSET_BITS) - 1;

  private final PageCache pageCache;
  private final LongSupplier durable;
  private final LongSupplier lowestRead;
  private final IntFunction<File> fileOfCycle;
  private final long keepBytes;
  private final long step;
  private final long recover;
  private final WalMetrics metrics;
  private final Scheduler scheduler;
  /** The cycle whose file is being trimmed, or -1 before the first pass that found one. */
  private int cycle = -1;
  /** Where the last advice on {@link #cycle}'s file ended. */
  private long trimmedTo;
  private boolean failed;

  /**
   * @param durable the mark after the last record a sync covered, or 0
   * @param lowestRead the lowest mark any open reader has read up to ({@link Long#MAX_VALUE} with no
   *     reader; 0 for a reader that has not read yet)
   * @param step trims happen in whole steps of this many bytes
   * @param recover how far before the last trim's end each trim starts again
   */
  PageCacheTrimmer(PageCache pageCache, LongSupplier durable, LongSupplier lowestRead, IntFunction<File> fileOfCycle,
      long keepBytes, long step, long recover, WalMetrics metrics) {
    this.pageCache = pageCache;
    this.durable = durable;
    this.lowestRead = lowestRead;
    this.fileOfCycle = fileOfCycle;
    this.keepBytes = keepBytes;
    this.step = step;
    this.recover = recover;
    this.metrics = metrics;
    this.scheduler = new Scheduler("pingstack-wal-pages");
  }

  /** A position in the log: {@code offset} bytes into the file of {@code cycle}. */
  static long mark(int cycle, long offset) {
    return ((long) cycle << OFFSET_BITS) | Math.min(offset, MAX_OFFSET);
  }

  static int cycleOf(long mark) {
    return (int) (mark >>> OFFSET_BITS);
  }

  static long offsetOf(long mark) {
    return mark & MAX_OFFSET;
  }

  void start() {
    scheduler.every(1000, this::runOnce);
  }

  /** One pass. Package-private for tests. */
  synchronized void runOnce() {
    if (failed) {
      return;
    }
    long written = durable.getAsLong();
    long low = Math.min(written, lowestRead.getAsLong());
    if (low <= 0) {
      return;
    }
    int lowCycle = cycleOf(low);
    if (cycle < 0 || lowCycle < cycle) {
      // The first pass, or a reader opened behind (a replay): trim behind the lowest reader.
      cycle = lowCycle;
      trimmedTo = 0;
    }
    File file = fileOfCycle.apply(cycle);
    long length = file.length(); // 0 once retention deleted it
    long readersDone = lowCycle > cycle ? length : offsetOf(low);
    long limit = Math.min(readersDone, keepFrom(cycle, length, written));
    if (limit > trimmedTo && (limit >= trimmedTo + step || limit == length)) {
      int error = pageCache.dropClean(file, Math.max(0, trimmedTo - recover), limit);
      if (error != 0) {
        if (file.exists()) {
          failed = true;
          LOG.warn("cannot drop read WAL pages from the page cache (error {} on {}); the log's pages stay cached "
              + "until the kernel reclaims them", error, file);
        }
        return; // else retention deleted the file meanwhile: the next pass moves on
      }
      metrics.pageCacheDropped(limit - trimmedTo);
      trimmedTo = limit;
    }
    if (lowCycle > cycle && trimmedTo >= length) {
      cycle = lowCycle;
      trimmedTo = 0;
    }
  }

  /** Where the newest {@link #keepBytes} of the log begin in the file of {@code c}, if they do. */
  private long keepFrom(int c, long length, long written) {
    int writtenCycle = cycleOf(written);
    if (c == writtenCycle) {
      return offsetOf(written) - keepBytes;
    }
    if (c == writtenCycle - 1) {
      return length - Math.max(0, keepBytes - offsetOf(written));
    }
    return Long.MAX_VALUE;
  }

  @Override
  public void close() {
    scheduler.close();
  }
}
