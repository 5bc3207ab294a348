package io.pingstack.wal;

import io.pingstack.model.WalUnavailableException;
import io.pingstack.model.WalUnavailableException.Cause;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that writes the log. Callers enqueue records; the thread takes everything
 * waiting, writes it, makes it durable with one sync per touched file (group commit) and only then
 * completes the callers' futures. Nothing is acknowledged that a sync has not covered, and after a
 * failed write or sync nothing is acknowledged again by this process.
 */
final class WalWriter {
  private static final Logger LOG = LoggerFactory.getLogger(WalWriter.class);
  private static final int MAX_GROUP = 4096;
  private static final long DISK_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** A record of this identity is not written: its future completes when everything before it is durable. */
  static final byte[] BARRIER = new byte[0];

  private record Pending(byte[] record, CompletableFuture<Long> done) {}

  private final SingleChronicleQueue queue;
  private final WalConfig config;
  private final WalMetrics metrics;
  private final FileSync fileSync;
  private final IntFunction<File> fileOfCycle;
  private final ArrayBlockingQueue<Pending> pending;
  private final Thread thread;
  private final TreeMap<Integer, FileChannel> channels = new TreeMap<>();

  private volatile Cause fatal;
  private volatile boolean stopping;
  private volatile boolean diskLow;
  private volatile long diskFree;
  private long writtenSinceDiskCheck;
  private long lastDiskCheckNanos;
  /** Where the last record written ends ({@link PageCacheTrimmer#mark}), and the same once durable. */
  private long writtenMark;
  private volatile long durableMark;

  WalWriter(SingleChronicleQueue queue, WalConfig config, WalMetrics metrics, FileSync fileSync, IntFunction<File> fileOfCycle) {
    this.queue = queue;
    this.config = config;
    this.metrics = metrics;
    this.fileSync = fileSync;
    this.fileOfCycle = fileOfCycle;
    this.pending = new ArrayBlockingQueue<>(config.queueCapacity());
    this.thread = new Thread(this::run, "pingstack-wal-writer");
    this.thread.setDaemon(true);
    checkDisk(0);
  }

  void start() {
    thread.start();
  }

  CompletableFuture<Long> append(byte[] record) {
    Cause refusal = refusal();
    if (refusal != null && refusal != Cause.BACKPRESSURE) {
      return refuse(refusal);
    }
    Pending p = new Pending(record, new CompletableFuture<>());
    if (!pending.offer(p)) {
      return refuse(Cause.BACKPRESSURE);
    }
    if (stopping && pending.remove(p)) {
      // Lost the race with close(): the writer may already have drained its last group.
      return refuse(Cause.CLOSED);
    }
    return p.done;
  }

  Cause refusal() {
    Cause f = fatal;
    if (f != null) {
      return f;
    }
    if (stopping) {
      return Cause.CLOSED;
    }
    if (diskLow) {
      return Cause.DISK_RESERVE;
    }
    return pending.remainingCapacity() == 0 ? Cause.BACKPRESSURE : null;
  }

  /**
   * Where the last record a sync covered ends (with {@code wal.sync=none}, the last one written), as
   * a {@link PageCacheTrimmer#mark}; 0 before the first.
   */
  long durableMark() {
    return durableMark;
  }

  long diskFreeBytes() {
    return diskFree;
  }

  private CompletableFuture<Long> refuse(Cause cause) {
    metrics.refused(cause);
    return CompletableFuture.failedFuture(new WalUnavailableException(cause, message(cause)));
  }

  private String message(Cause cause) {
    return switch (cause) {
      case BACKPRESSURE -> "the write-ahead log is behind (" + config.queueCapacity() + " records waiting)";
      case DISK_RESERVE -> "free disk space for the write-ahead log (" + diskFree + " bytes) is under the reserve of "
          + config.diskReserveBytes() + " bytes";
      case FAILED -> "the write-ahead log failed to write or sync; restart the service after fixing the disk";
      case CLOSED -> "the write-ahead log is closing";
    };
  }

  private void run() {
    ExcerptAppender appender = queue.createAppender();
    List<Pending> group = new ArrayList<>(MAX_GROUP);
    try {
      while (true) {
        Pending first = pending.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (stopping) {
            break;
          }
          checkDiskIfDue(0);
          continue;
        }
        group.add(first);
        pending.drainTo(group, MAX_GROUP - 1);
        writeGroup(appender, group);
        group.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      failAll(group, Cause.CLOSED);
      List<Pending> rest = new ArrayList<>();
      pending.drainTo(rest);
      failAll(rest, Cause.CLOSED);
      appender.close();
      closeChannels(Integer.MAX_VALUE);
    }
  }

  private void writeGroup(ExcerptAppender appender, List<Pending> group) {
    int written = 0;
    long[] positions = new long[group.size()];
    for (int i = 0; i < group.size(); i++) {
      Pending p = group.get(i);
      if (fatal != null) {
        fail(p, fatal);
        continue;
      }
      if (p.record == BARRIER) {
        positions[i] = queue.lastIndex();
        continue;
      }
      if (!checkDiskIfDue(p.record.length)) {
        fail(p, Cause.DISK_RESERVE);
        continue;
      }
      try {
        try (DocumentContext dc = appender.writingDocument()) {
          Bytes<?> bytes = dc.wire().bytes();
          bytes.write(p.record);
          writtenMark = PageCacheTrimmer.mark(appender.cycle(), bytes.writePosition());
        }
        positions[i] = appender.lastIndexAppended();
        channelFor(appender.cycle());
        writtenSinceDiskCheck += p.record.length;
        metrics.appended(p.record.length);
        written++;
      } catch (RuntimeException | IOException e) {
        markFailed("write", e);
        fail(p, Cause.FAILED);
      }
    }
    if (written > 0 && config.sync() == WalConfig.Sync.GROUP && fatal == null) {
      sync(written);
    }
    if (fatal == null) {
      durableMark = writtenMark;
    }
    for (int i = 0; i < group.size(); i++) {
      Pending p = group.get(i);
      if (p.done.isDone()) {
        continue;
      }
      if (fatal != null) {
        fail(p, fatal);
      } else {
        p.done.complete(positions[i]);
      }
    }
  }

  private void sync(int records) {
    long start = System.nanoTime();
    try {
      for (FileChannel channel : channels.values()) {
        fileSync.sync(channel);
      }
      // Older cycles were synced (and closed below) once their last record was covered.
      closeChannels(channels.lastKey());
      metrics.synced(records, System.nanoTime() - start);
    } catch (IOException | RuntimeException e) {
      markFailed("sync", e);
    }
  }

  private void markFailed(String what, Exception e) {
    if (fatal == null) {
      fatal = Cause.FAILED;
      LOG.error("WAL {} failed in {}: {}. Refusing every append until the service is restarted; "
          + "check the disk behind {}", what, config.dir(), e.toString(), config.dir(), e);
    }
  }

  /** The channel of a cycle's file, opened on first use; a new file also gets its directory entry synced. */
  private FileChannel channelFor(int cycle) throws IOException {
    FileChannel channel = channels.get(cycle);
    if (channel == null) {
      channel = FileChannel.open(fileOfCycle.apply(cycle).toPath(), StandardOpenOption.WRITE);
      channels.put(cycle, channel);
      if (config.sync() == WalConfig.Sync.GROUP) {
        try (FileChannel dir = FileChannel.open(config.dir(), StandardOpenOption.READ)) {
          fileSync.sync(dir);
        }
      }
    }
    return channel;
  }

  /** Closes the channels of cycles before {@code keepFrom}. */
  private void closeChannels(int keepFrom) {
    Iterator<Map.Entry<Integer, FileChannel>> it = channels.headMap(keepFrom, false).entrySet().iterator();
    while (it.hasNext()) {
      try {
        it.next().getValue().close();
      } catch (IOException e) {
        LOG.warn("cannot close a WAL file channel: {}", e.toString());
      }
      it.remove();
    }
  }

  /**
   * True when {@code bytes} more fit above the disk reserve. Asks the file system at most every
   * 100 ms, or sooner when what was written since could have used up the margin.
   */
  private boolean checkDiskIfDue(int bytes) {
    long now = System.nanoTime();
    if (now - lastDiskCheckNanos > DISK_CHECK_NANOS
        || diskFree - writtenSinceDiskCheck - bytes < config.diskReserveBytes()) {
      checkDisk(now);
    }
    boolean room = diskFree - writtenSinceDiskCheck - bytes >= config.diskReserveBytes();
    setDiskLow(!room);
    return room;
  }

  private void checkDisk(long now) {
    diskFree = config.dir().toFile().getUsableSpace();
    writtenSinceDiskCheck = 0;
    lastDiskCheckNanos = now;
    setDiskLow(diskFree < config.diskReserveBytes());
  }

  private void setDiskLow(boolean low) {
    if (low != diskLow) {
      diskLow = low;
      if (low) {
        LOG.warn("WAL disk reserve reached: {} bytes free under {}, reserve {}; refusing appends with 503 until space is freed",
            diskFree, config.dir(), config.diskReserveBytes());
      } else {
        LOG.info("WAL disk space recovered: {} bytes free under {}; accepting appends again", diskFree, config.dir());
      }
    }
  }

  private void fail(Pending p, Cause cause) {
    metrics.refused(cause);
    p.done.completeExceptionally(new WalUnavailableException(cause, message(cause)));
  }

  private void failAll(List<Pending> group, Cause cause) {
    for (Pending p : group) {
      if (!p.done.isDone()) {
        fail(p, cause);
      }
    }
  }

  /** Stops taking records, writes and syncs everything already queued, and waits for the thread. */
  void close() {
    stopping = true;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.error("WAL writer did not stop within 30 s; unsynced records may be lost on power failure");
    }
  }
}
