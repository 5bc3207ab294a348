package io.pingstack.wal;

import io.pingstack.model.RetentionPin;
import io.pingstack.model.Wal;
import io.pingstack.model.WalFile;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalUnavailableException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.TableStore;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.TableStoreWriteLock;
import net.openhft.chronicle.queue.impl.table.Metadata;
import net.openhft.chronicle.queue.impl.table.SingleTableBuilder;
import net.openhft.chronicle.threads.Pauser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Wal} on Chronicle Queue: one record per message, hourly files, one writer thread that
 * group-commits ({@link WalWriter}), and retention that respects every registered consumer and pin
 * ({@link Retention}).
 *
 * <p>Chronicle's own guarantees are not trusted where RELIABILITY.md measured them wrong: this
 * class holds its own OS lock on the directory for the process lifetime (so Chronicle's PID-based
 * write lock can be forced open at start, which a restart with the same PID needs), syncs with
 * {@link FileSync} instead of Chronicle's msync (which swallows errors), and refuses appends before
 * the disk fills (Chronicle crashes the JVM on a full disk).
 *
 * <p>{@link #openReadOnly} opens a log for inspection by operators' commands: the same lock (so not
 * while the service runs), no writer, no retention, nothing on disk changed.
 */
public final class ChronicleWal implements Wal {
  static {
    // Belt and braces with config/jvm.options: Chronicle must never phone home.
    System.setProperty("chronicle.analytics.disable", "true");
  }

  private static final Logger LOG = LoggerFactory.getLogger(ChronicleWal.class);
  static final String LOCK_FILE = DirectoryLock.FILE;
  private static final DateTimeFormatter CYCLE_FORMAT = DateTimeFormatter.ofPattern(RollCycles.FAST_HOURLY.format());
  private static final long BLOCK_SIZE = 4L * WalConfig.MAX_RECORD_BYTES + (64 << 20);

  private final WalConfig config;
  private final RecordCodec codec;
  private final DirectoryLock lock;
  private final SingleChronicleQueue queue;
  private final LogFiles files;
  /** Null when the log is open read-only. */
  private final WalWriter writer;
  private final Retention retention;
  /** The forward readers not yet closed. */
  private final Set<ChronicleReader> readers = ConcurrentHashMap.newKeySet();
  /** Null when the log is open read-only, or the system cannot drop pages from its page cache. */
  private final PageCacheTrimmer trimmer;
  private volatile boolean closed;

  private ChronicleWal(WalConfig config, WalMetrics metrics, FileSync fileSync, TimeProvider time, boolean readOnly,
      long blockSize) throws IOException {
    this.config = config;
    this.codec = new RecordCodec(config.compression() == WalConfig.Compression.ZSTD, metrics);
    if (!readOnly) {
      Files.createDirectories(config.dir());
    }
    this.lock = DirectoryLock.acquire(config.dir());
    try {
      SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(config.dir())
          .rollCycle(RollCycles.FAST_HOURLY)
          .blockSize(blockSize)
          .timeProvider(time);
      if (readOnly) {
        builder.readOnly(true);
      } else {
        forceUnlockChronicle(config.dir());
      }
      this.queue = builder.build();
      this.files = new LogFiles(queue, this::fileOfCycle);
      this.writer = readOnly ? null : new WalWriter(queue, config, metrics, fileSync, this::fileOfCycle);
      this.retention = new Retention(queue, files, config, metrics, this::fileOfCycle, time);
      this.trimmer = readOnly ? null : trimmer(config, metrics, blockSize);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Chronicle maps a file in blocks around the writer and each reader, and the kernel keeps a mapped
   * page: trims go in eighths of a block and start two blocks before where the last one ended.
   */
  private PageCacheTrimmer trimmer(WalConfig config, WalMetrics metrics, long blockSize) {
    PageCache pageCache = PageCache.loadOrNull();
    return pageCache == null ? null : new PageCacheTrimmer(pageCache, writer::durableMark, this::lowestRead, this::fileOfCycle,
        config.pageCacheKeepBytes(), blockSize / 8, 2 * blockSize, metrics);
  }

  /** The lowest mark an open forward reader has read up to; {@link Long#MAX_VALUE} with none open. */
  private long lowestRead() {
    long lowest = Long.MAX_VALUE;
    for (ChronicleReader reader : readers) {
      lowest = Math.min(lowest, reader.mark());
    }
    return lowest;
  }

  /** Opens (or creates) the log in {@code config.dir()} and starts its writer and retention. */
  public static Wal open(WalConfig config, WalMetrics metrics) {
    return open(config, metrics, FileSync.FORCE);
  }

  /** As {@link #open(WalConfig, WalMetrics)}, with the way files are synced replaced (tests inject failures). */
  public static Wal open(WalConfig config, WalMetrics metrics, FileSync fileSync) {
    return open(config, metrics, fileSync, SystemTimeProvider.INSTANCE);
  }

  /** With the clock replaced, so tests can write files of past hours. */
  static ChronicleWal open(WalConfig config, WalMetrics metrics, FileSync fileSync, TimeProvider time) {
    return open(config, metrics, fileSync, time, BLOCK_SIZE);
  }

  /** With Chronicle's block size replaced, so tests can fill blocks; records stay under a quarter of one. */
  static ChronicleWal open(WalConfig config, WalMetrics metrics, FileSync fileSync, TimeProvider time, long blockSize) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(fileSync, "fileSync");
    try {
      ChronicleWal wal = new ChronicleWal(config, metrics, fileSync, time, false, blockSize);
      wal.writer.start();
      wal.retention.start();
      if (wal.trimmer != null) {
        wal.trimmer.start();
      }
      LOG.info("WAL open at {} (sync={}, first position {}, last position {})",
          config.dir(), config.sync(), wal.firstPosition(), wal.lastPosition());
      return wal;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open WAL " + config.dir() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens the log in {@code dir} to read it while the service is stopped: appends are refused
   * ({@link WalUnavailableException.Cause#CLOSED}), retention does not run, registered consumers
   * and pins only show in {@link #retentionPins()}, and nothing in the directory changes but the
   * lock file.
   *
   * @throws WalLockedException while another process (the service) has the log open
   * @throws IllegalArgumentException when {@code dir} holds no log
   */
  public static Wal openReadOnly(Path dir) {
    Objects.requireNonNull(dir, "dir");
    if (!holdsLog(dir)) {
      throw new IllegalArgumentException("no WAL in " + dir + ": no " + SingleChronicleQueue.SUFFIX + " files there");
    }
    try {
      return new ChronicleWal(WalConfig.defaults(dir), WalMetrics.NOOP, FileSync.FORCE, SystemTimeProvider.INSTANCE, true, BLOCK_SIZE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open WAL " + dir + ": " + e.getMessage(), e);
    }
  }

  private static boolean holdsLog(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> names = Files.list(dir)) {
      return names.anyMatch(p -> p.getFileName().toString().endsWith(SingleChronicleQueue.SUFFIX));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Chronicle's write lock names a PID; a writer that died with the lock held and came back with
   * the same PID (PID 1 in a container) would wait for itself and fail. Our OS lock proves no
   * other process writes here, so whatever Chronicle's lock says is stale.
   */
  private static void forceUnlockChronicle(Path dir) {
    File metadata = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE).toFile();
    if (!metadata.exists()) {
      return;
    }
    // The metadata names Chronicle classes by alias; a fresh JVM has not registered them yet.
    SingleChronicleQueueBuilder.addAliases();
    try (TableStore<Metadata.NoMeta> store = SingleTableBuilder.binary(metadata, Metadata.NoMeta.INSTANCE).readOnly(false).build()) {
      for (String key : List.of("chronicle.write.lock", TableStoreWriteLock.APPEND_LOCK_KEY)) {
        try (TableStoreWriteLock lock = new TableStoreWriteLock(store, Pauser::balanced, 0L, key)) {
          lock.forceUnlock();
        }
      }
    }
  }

  /** The file of one hourly cycle; {@code cycle} counts hours since the epoch (FAST_HOURLY). */
  File fileOfCycle(int cycle) {
    LocalDateTime start = LocalDateTime.ofEpochSecond(cycle * 3600L, 0, ZoneOffset.UTC);
    return config.dir().resolve(CYCLE_FORMAT.format(start) + SingleChronicleQueue.SUFFIX).toFile();
  }

  /** The cycle of a log file, or -1 when the file is not one. */
  static int cycleOf(File file) {
    String name = file.getName();
    if (!name.endsWith(SingleChronicleQueue.SUFFIX)) {
      return -1;
    }
    try {
      LocalDateTime start = LocalDateTime.parse(name.substring(0, name.length() - SingleChronicleQueue.SUFFIX.length()), CYCLE_FORMAT);
      return (int) (start.toEpochSecond(ZoneOffset.UTC) / 3600);
    } catch (DateTimeParseException e) {
      return -1;
    }
  }

  /** Runs one page cache trim now (none when the log is read-only or the system cannot). */
  void trimPageCache() {
    if (trimmer != null) {
      trimmer.runOnce();
    }
  }

  /** Runs one retention pass now; returns how many files it deleted. */
  int runRetention() {
    return retention.runOnce();
  }

  @Override
  public CompletableFuture<Long> append(byte[] record) {
    return writer == null ? readOnlyRefusal() : writer.append(encode(record));
  }

  @Override
  public byte[] encode(byte[] record) {
    return codec.encode(record);
  }

  @Override
  public CompletableFuture<Long> appendEncoded(byte[] encoded) {
    return writer == null ? readOnlyRefusal() : writer.append(codec.checkEncoded(encoded));
  }

  @Override
  public CompletableFuture<Long> barrier() {
    return writer == null ? readOnlyRefusal() : writer.append(WalWriter.BARRIER);
  }

  private CompletableFuture<Long> readOnlyRefusal() {
    return CompletableFuture.failedFuture(
        new WalUnavailableException(WalUnavailableException.Cause.CLOSED, "the WAL at " + config.dir() + " is open read-only"));
  }

  @Override
  public WalReader reader(long fromPosition) {
    return new ChronicleReader(queue, fromPosition, false, readers);
  }

  @Override
  public WalReader readerFromEnd() {
    if (writer == null) {
      files.list(); // throws on a damaged last record instead of letting Chronicle fault on it
    }
    return new ChronicleReader(queue, Wal.NONE, true, readers);
  }

  @Override
  public long firstPosition() {
    long first = queue.firstIndex();
    return first == Long.MAX_VALUE ? NONE : first;
  }

  /**
   * Read-only, from the file list: Chronicle's {@code lastIndex()} scans the last record's frame
   * through a memory map of a file it may not grow, so a damaged length there faults the JVM (see
   * {@link LogFiles}); the list reports it as an exception instead.
   */
  @Override
  public long lastPosition() {
    if (writer == null) {
      List<LogFiles.Entry> entries = files.list();
      for (int i = entries.size() - 1; i >= 0; i--) {
        if (entries.get(i).file().records() > 0) {
          return entries.get(i).file().lastPosition();
        }
      }
      return NONE;
    }
    long last = queue.lastIndex();
    return last < 0 ? NONE : last;
  }

  /**
   * Chronicle's {@code countExcerpts(from, to)} counts {@code [from, to)} between two positions that
   * exist in files still on disk, which is the count of {@code (from, to]} as well. An
   * {@code afterPosition} before the first file (NONE, or a record retention deleted) counts from the
   * first record, inclusive. Retention may delete the file of {@code afterPosition} meanwhile: the
   * count is then taken again from the new first record.
   */
  @Override
  public long recordsBetween(long afterPosition, long upToPosition) {
    for (int attempt = 0; ; attempt++) {
      if (closed || upToPosition == NONE || upToPosition <= afterPosition) {
        return 0;
      }
      long first = firstPosition();
      if (first == NONE || upToPosition < first) {
        return 0;
      }
      try {
        return afterPosition < first
            ? queue.countExcerpts(first, upToPosition) + 1
            : queue.countExcerpts(afterPosition, upToPosition);
      } catch (IllegalStateException e) {
        if (attempt > 0 && !closed) {
          throw e;
        }
      }
    }
  }

  @Override
  public WalUnavailableException.Cause refusal() {
    return writer == null ? WalUnavailableException.Cause.CLOSED : writer.refusal();
  }

  @Override
  public void registerConsumer(String name, LongSupplier lastAppliedPosition) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(lastAppliedPosition, "lastAppliedPosition");
    retention.registerConsumer(name, lastAppliedPosition);
  }

  @Override
  public Pin pin(String name, long fromPosition) {
    Objects.requireNonNull(name, "name");
    return retention.pin(name, fromPosition, this::firstPosition);
  }

  @Override
  public List<RetentionPin> retentionPins() {
    return retention.pins();
  }

  @Override
  public List<WalFile> files() {
    List<LogFiles.Entry> entries = files.list();
    List<WalFile> list = new ArrayList<>(entries.size());
    for (LogFiles.Entry e : entries) {
      list.add(e.file());
    }
    return list;
  }

  @Override
  public long diskFreeBytes() {
    return writer == null ? config.dir().toFile().getUsableSpace() : writer.diskFreeBytes();
  }

  @Override
  public long sizeBytes() {
    long bytes = 0;
    for (LogFiles.Entry e : files.list()) {
      bytes += e.file().bytes();
    }
    return bytes;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    retention.close();
    if (trimmer != null) {
      trimmer.close();
    }
    if (writer != null) {
      writer.close();
    }
    queue.close();
    codec.close();
    lock.close();
    LOG.info("WAL closed at {}", config.dir());
  }
}
