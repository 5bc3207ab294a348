package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.Wal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded cold store: Arrow IPC files per UTC day of the event timestamp, under
 * {@code <dir>/day=YYYY-MM-DD/<firstPos>-<lastPos>.arrow}, listed with their WAL range in
 * {@code <dir>/manifest.json} together with the committed WAL position.
 *
 * <p>Accepted rows go to one open file per day. A commit (every {@code commitInterval}, after
 * {@code maxUncommittedRows} rows, and at close) ends those files, syncs them and their
 * directories, then replaces the manifest atomically: the manifest write is the commit point. At
 * open and in {@link #resumePosition()} every file the manifest does not list is deleted (rows
 * written after the last commit) and the store resumes after the manifest's position, so a crash
 * never stores a row twice nor loses one. A batch whose rows are all new and of one day (live
 * ingest) is written as it is; otherwise each day's rows are copied into a scratch root first.
 * Memory: the scratch root's vectors (the rows of one day of one batch) and a 256 KiB write buffer
 * per day file open since the last commit.
 *
 * <p>As a {@link ReplayTarget} ({@code cold}) it restores committed files that are missing on disk,
 * or rewrites them, from the log ({@link ArrowColdReplay}) while live ingest goes on: the replay
 * writes files of its own, which {@link #resumePosition()} leaves alone while it runs, and commits
 * them under this store's lock by replacing the manifest's entries in one manifest write.
 */
public final class ArrowFileColdStore implements ColdStore {
  private static final Logger LOG = LoggerFactory.getLogger(ArrowFileColdStore.class);
  private static final long MICROS_PER_DAY = 86_400_000_000L;

  private final Path dir;
  private final ArrowColdStoreConfig config;
  private final BufferAllocator allocator;
  private final PingVectors scratch;
  private final TreeMap<Long, DayFile> open = new TreeMap<>();
  /** Paths (relative, as in the manifest) a running replay writes: not committed yet, but not to be deleted. */
  private final Set<String> replayFiles = new HashSet<>();
  private final AtomicBoolean replaying = new AtomicBoolean();
  private Manifest manifest;
  private long accepted;
  private long uncommittedRows;
  private long pendingSinceMillis = -1;
  private long[] rowDays = new long[0];
  private boolean dirty;
  private boolean closed;
  private volatile long durable;

  private ArrowFileColdStore(Path dir, ArrowColdStoreConfig config, Manifest manifest) {
    this.dir = dir;
    this.config = config;
    this.manifest = manifest;
    this.accepted = manifest.committedPosition();
    this.durable = manifest.committedPosition();
    this.allocator = EngineMemory.child("arrow-cold-store", Long.MAX_VALUE);
    try {
      this.scratch = new PingVectors(allocator);
    } catch (RuntimeException e) {
      allocator.close();
      throw e;
    }
  }

  /**
   * The WAL position the store in {@code dir} has committed ({@link Wal#NONE}
   * for nothing), read from its manifest without opening the store or changing anything on disk:
   * for commands that inspect a stopped service.
   */
  public static long committedPositionIn(Path dir) {
    requireNonNull(dir, "dir");
    try {
      return Manifest.read(dir).committedPosition();
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /** Opens (or creates) the store in {@code dir}, deleting whatever the last commit does not include. */
  public static ColdStore open(Path dir, ArrowColdStoreConfig config) {
    requireNonNull(dir, "dir");
    requireNonNull(config, "config");
    try {
      Files.createDirectories(dir);
      Manifest manifest = Manifest.read(dir);
      ArrowFileColdStore store = new ArrowFileColdStore(dir, config, manifest);
      store.removeUncommitted();
      for (Manifest.CommittedFile file : manifest.files()) {
        if (!Files.exists(dir.resolve(file.path()))) {
          LOG.error("cold store {}: committed file {} (WAL {}–{}, {} rows) is missing", dir, file.path(),
              file.firstPosition(), file.lastPosition(), file.rows());
        }
      }
      LOG.info("cold store open at {}: {} files, committed WAL position {}, compression {}{}",
          dir, manifest.files().size(), manifest.committedPosition(), config.compression(),
          config.compression() == ArrowColdStoreConfig.Compression.ZSTD ? " level " + config.zstdLevel() : "");
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the cold store at " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized long resumePosition() {
    ensureOpen();
    abandonOpenFiles();
    try {
      removeUncommitted();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean the cold store at " + dir + ": " + e.getMessage(), e);
    }
    accepted = manifest.committedPosition();
    uncommittedRows = 0;
    pendingSinceMillis = -1;
    dirty = false;
    return accepted;
  }

  @Override
  public synchronized void accept(ColumnBatch batch) {
    requireNonNull(batch, "batch");
    ensureUsable();
    if (batch.records() == 0 || batch.lastPosition() <= accepted) {
      return;
    }
    dirty = true;
    try {
      int copied = write(batch);
      accepted = batch.lastPosition();
      uncommittedRows += copied;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write WAL " + batch.firstPosition() + "–" + batch.lastPosition()
          + " to the cold store at " + dir + ": " + e.getMessage(), e);
    }
    dirty = false;
    if (uncommittedRows >= config.maxUncommittedRows()) {
      commit();
    }
  }

  @Override
  public synchronized void tick(long nowMillis) {
    ensureUsable();
    if (accepted == manifest.committedPosition()) {
      return;
    }
    if (pendingSinceMillis < 0) {
      pendingSinceMillis = nowMillis;
    } else if (nowMillis - pendingSinceMillis >= config.commitInterval().toMillis()) {
      commit();
    }
  }

  @Override
  public long durablePosition() {
    return durable;
  }

  /**
   * Restores the committed files whose WAL range meets {@code [from, to]} and that are missing on
   * disk (with {@link ReplayOptions#rebuild()}: every such file) from the log; see {@link ArrowColdReplay}.
   * Records after the committed position are left to the live path. One replay at a time.
   */
  @Override
  public ReplayOutcome replay(ReplayLog log, long from, long to, ReplayOptions options) {
    requireNonNull(log, "log");
    requireNonNull(options, "options");
    synchronized (this) {
      ensureOpen();
    }
    if (!replaying.compareAndSet(false, true)) {
      throw new ReplayException("a replay into the cold store at " + dir + " is already running: wait for it to end or cancel it");
    }
    try {
      return new ArrowColdReplay(this, dir, config, log, options).run(from, to);
    } finally {
      replaying.set(false);
    }
  }

  /** The manifest as committed now. */
  synchronized Manifest manifest() {
    return manifest;
  }

  /** Keeps {@code paths}, files a replay is about to write, from being deleted as uncommitted until {@link #releaseReplayFiles}. */
  synchronized void reserveReplayFiles(Collection<String> paths) {
    ensureOpen();
    replayFiles.addAll(paths);
  }

  /** Lets uncommitted-file cleanup have {@code paths} again, and deletes the day directories of them left empty. */
  synchronized void releaseReplayFiles(Collection<String> paths) {
    replayFiles.removeAll(paths);
    Set<String> dayDirs = new TreeSet<>();
    paths.forEach(path -> dayDirs.add(dayDirOf(path)));
    for (String dayDir : dayDirs) {
      try {
        Files.deleteIfExists(dir.resolve(dayDir));
      } catch (DirectoryNotEmptyException e) {
        // In use: kept.
      } catch (IOException e) {
        LOG.warn("cold store {}: cannot delete the empty day directory {} (deleted at the next start): {}", dir, dayDir, e.toString());
      }
    }
  }

  /**
   * Commits a replay: writes the manifest with each key of {@code replacements} replaced by its
   * value, the committed position unchanged. The files it names must be written and synced.
   */
  synchronized void commitReplacements(Map<Manifest.CommittedFile, Manifest.CommittedFile> replacements) throws IOException {
    if (closed) {
      throw new ReplayException("the cold store at " + dir + " was closed during the replay; nothing was committed");
    }
    Manifest next = manifest.replacing(replacements);
    try {
      next.write(dir);
    } catch (IOException e) {
      // The rename may have landed before the failure: the manifest on disk is the truth.
      try {
        manifest = Manifest.read(dir);
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
    manifest = next;
  }

  private static String dayDirOf(String path) {
    return path.substring(0, path.indexOf('/'));
  }

  /** Commits what was accepted (unless the last write failed: that is discarded) and releases memory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!dirty && accepted != manifest.committedPosition()) {
        commit();
      }
    } finally {
      abandonOpenFiles();
      scratch.close();
      allocator.close();
      LOG.info("cold store closed at {}: committed WAL position {}", dir, manifest.committedPosition());
    }
  }

  /** Copies the rows after {@link #accepted} into the day files, one record batch per day; returns how many. */
  private int write(ColumnBatch batch) throws IOException {
    PingVectors from = batch.vectors();
    int rows = batch.rowCount();
    if (rowDays.length < rows) {
      rowDays = new long[Math.max(rows, rowDays.length * 2)];
    }
    TreeSet<Long> days = new TreeSet<>();
    long previous = Long.MIN_VALUE;
    for (int row = 0; row < rows; row++) {
      long day = from.walPosition.get(row) > accepted ? Math.floorDiv(from.timestamp.get(row), MICROS_PER_DAY) : Long.MIN_VALUE;
      rowDays[row] = day;
      if (day != previous && day != Long.MIN_VALUE) {
        days.add(day);
        previous = day;
      }
    }
    if (days.size() == 1 && from.walPosition.get(0) > accepted) {
      // Every row is new and of one day, as in live ingest: the batch is written as it is.
      long day = days.first();
      file(day, from.walPosition.get(0)).write(batch.root(), from.walPosition.get(0), from.walPosition.get(rows - 1), rows);
      return rows;
    }
    int copied = 0;
    for (long day : days) {
      copied += writeDay(from, rows, day);
    }
    return copied;
  }

  private DayFile file(long day, long firstPosition) throws IOException {
    DayFile file = open.get(day);
    if (file == null) {
      file = DayFile.create(dir, LocalDate.ofEpochDay(day), firstPosition, scratch.root, config);
      open.put(day, file);
    }
    return file;
  }

  private int writeDay(PingVectors from, int rows, long day) throws IOException {
    scratch.reset();
    int count = 0;
    long first = Wal.NONE;
    long last = Wal.NONE;
    for (int row = 0; row < rows; row++) {
      if (rowDays[row] == day) {
        scratch.copyRow(from, row, count++);
        last = from.walPosition.get(row);
        if (first == Wal.NONE) {
          first = last;
        }
      }
    }
    scratch.seal(count);
    file(day, first).write(scratch.root, first, last, count);
    return count;
  }

  private void commit() {
    dirty = true;
    long position = accepted;
    try {
      List<Manifest.CommittedFile> added = new ArrayList<>(open.size());
      boolean newDirs = false;
      for (DayFile file : open.values()) {
        added.add(file.finish());
        newDirs |= file.createdDir();
      }
      for (DayFile file : open.values()) {
        Fsync.directory(file.dayDir());
      }
      if (newDirs) {
        Fsync.directory(dir);
      }
      Manifest next = manifest.plus(added, position);
      next.write(dir);
      manifest = next;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit WAL up to " + position + " to the cold store at " + dir + ": " + e.getMessage(), e);
    }
    open.clear();
    uncommittedRows = 0;
    pendingSinceMillis = -1;
    durable = position;
    dirty = false;
  }

  private void abandonOpenFiles() {
    for (DayFile file : open.values()) {
      file.abandon();
    }
    open.clear();
  }

  /**
   * Deletes every file under a day directory that the manifest does not list, and the manifest's
   * temp file; a running replay's files are kept (at open there are none, so a killed replay's are deleted).
   */
  private void removeUncommitted() throws IOException {
    Files.deleteIfExists(dir.resolve(Manifest.TEMP_NAME));
    Set<String> keep = new HashSet<>(replayFiles);
    Set<String> replayDirs = new HashSet<>();
    for (Manifest.CommittedFile file : manifest.files()) {
      keep.add(file.path());
    }
    replayFiles.forEach(path -> replayDirs.add(dayDirOf(path)));
    int deleted = 0;
    try (DirectoryStream<Path> dayDirs = Files.newDirectoryStream(dir, "day=*")) {
      for (Path dayDir : dayDirs) {
        if (!Files.isDirectory(dayDir)) {
          continue;
        }
        boolean kept = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dayDir)) {
          for (Path file : files) {
            if (keep.contains(dayDir.getFileName() + "/" + file.getFileName())) {
              kept = true;
            } else {
              Files.delete(file);
              deleted++;
            }
          }
        }
        if (!kept && !replayDirs.contains(dayDir.getFileName().toString())) {
          Files.delete(dayDir);
        }
      }
    }
    if (deleted > 0) {
      LOG.info("cold store {}: deleted {} files written after the last commit (WAL position {})",
          dir, deleted, manifest.committedPosition());
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("cold store at " + dir + " is closed");
    }
  }

  private void ensureUsable() {
    ensureOpen();
    if (dirty) {
      throw new IllegalStateException("cold store at " + dir + " failed to write or commit: call resumePosition() first");
    }
  }
}
