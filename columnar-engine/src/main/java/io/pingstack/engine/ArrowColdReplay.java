package io.pingstack.engine;

import io.pingstack.model.Wal;
import io.pingstack.model.WalPositionDeletedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replay into an {@link ArrowFileColdStore}. Its business is the committed files whose WAL range
 * meets {@code [from, min(to, committed position)]}; later records are the live path's. A file the
 * manifest lists but the disk lacks is restored (with {@code rebuild}, every such file is rewritten):
 * the rows of its day in its whole WAL range {@code [a, b]} are read from the log again, so the new
 * file holds exactly the rows the old one did, checked against the manifest's row count and range.
 *
 * <p>Files whose ranges are near are restored in one read of the log, each row routed to its file by
 * its day and position (the files of one day have disjoint ranges: one per day per commit). A new
 * file gets a name the manifest does not list, {@code <a>-<b>.r<n>.arrow} ({@code .part} while
 * written), reserved with the store so that the live path's cleanup leaves it alone. When every file
 * is written and synced, one manifest write under the store's lock replaces the old entries by the
 * new ones, in place; the old files are deleted after that. The lock is held for that write only.
 *
 * <p>Crash, cancellation or failure before the manifest write: the new files are not listed, so they
 * are deleted now (or at the next open) and the store is as before; after it, the old files are not
 * listed and go the same way. Running the replay again completes it.
 */
final class ArrowColdReplay {
  private static final Logger LOG = LoggerFactory.getLogger(ArrowColdReplay.class);
  /** Files at most this many records apart are restored in one read of the log. */
  private static final long ONE_READ_GAP_RECORDS = 100_000;
  private static final int DAYS_IN_SUMMARY = 5;

  private final ArrowFileColdStore store;
  private final Path dir;
  private final ArrowColdStoreConfig config;
  private final ReplayLog log;
  private final ReplayOptions options;

  ArrowColdReplay(ArrowFileColdStore store, Path dir, ArrowColdStoreConfig config, ReplayLog log, ReplayOptions options) {
    this.store = store;
    this.dir = dir;
    this.config = config;
    this.log = log;
    this.options = options;
  }

  ReplayOutcome run(long from, long to) {
    Manifest manifest = store.manifest();
    long committed = manifest.committedPosition();
    long end = Math.min(to, committed);
    List<ColdRewrite> rewrites = new ArrayList<>();
    int inRange = 0;
    if (committed != Wal.NONE) {
      for (Manifest.CommittedFile file : manifest.files()) {
        if (file.lastPosition() < from || file.firstPosition() > end) {
          continue;
        }
        inRange++;
        boolean missing = !Files.exists(dir.resolve(file.path()));
        if (missing || options.rebuild()) {
          rewrites.add(new ColdRewrite(file, missing));
        }
      }
    }
    String range = "WAL " + from + "–" + end + " (committed position " + committed + ")";
    if (rewrites.isEmpty()) {
      String summary = from > committed
          ? "nothing to do: the store has committed up to position " + committed + ", later records are the live path's"
          : inRange == 0
              ? "nothing to do: no committed file in " + range
              : "nothing lacking: the " + inRange + " committed files in " + range + " are all on disk";
      return outcome(inRange, rewrites, 0, (options.dryRun() ? "dry run, " : "") + summary);
    }
    refuseWhatTheLogNoLongerHolds(rewrites);
    List<List<ColdRewrite>> reads = groupIntoReads(rewrites);
    if (options.dryRun()) {
      long records = 0;
      for (List<ColdRewrite> read : reads) {
        long n = log.recordsIn(read.get(0).old.firstPosition(), lastOf(read));
        records = records < 0 || n < 0 ? -1 : records + n;
      }
      rewrites.forEach(r -> LOG.info("cold store {}: dry run: would {} {} as {}", dir, r.verb(), r.describe(), r.path));
      return outcome(inRange, rewrites, records, "dry run, nothing changed: would " + describe(rewrites, inRange, range, false));
    }
    long records = write(rewrites, reads);
    return outcome(inRange, rewrites, records, describe(rewrites, inRange, range, true) + "; " + records + " records read");
  }

  /** Writes, commits and cleans up; returns the records read. */
  private long write(List<ColdRewrite> rewrites, List<List<ColdRewrite>> reads) {
    List<String> reserved = new ArrayList<>();
    rewrites.forEach(r -> {
      reserved.add(r.path);
      reserved.add(DayFile.partName(r.path));
    });
    store.reserveReplayFiles(reserved);
    AutoCloseable hold = null;
    boolean committed = false;
    long records = 0;
    try (ColdRowRouter router = new ColdRowRouter(dir, config)) {
      hold = hold(rewrites);
      try {
        for (List<ColdRewrite> read : reads) {
          records += readOnce(read, router);
        }
        commit(rewrites);
        committed = true;
      } finally {
        if (!committed) {
          abandon(rewrites);
        }
      }
    } finally {
      store.releaseReplayFiles(reserved);
      release(hold);
    }
    deleteReplaced(rewrites);
    logDays(rewrites);
    return records;
  }

  /** Reads the log once over the files of {@code read} and writes, finishes and checks each of them. */
  private long readOnce(List<ColdRewrite> read, ColdRowRouter router) {
    Map<Long, NavigableMap<Long, ColdRewrite>> byDay = new HashMap<>();
    for (ColdRewrite r : read) {
      byDay.computeIfAbsent(r.day.toEpochDay(), d -> new TreeMap<>()).put(r.old.firstPosition(), r);
    }
    long first = read.get(0).old.firstPosition();
    long records;
    try {
      records = log.read(first, lastOf(read), batch -> {
        router.route(batch, byDay);
        for (ColdRewrite r : read) {
          if (r.file != null && r.written == null && r.old.lastPosition() <= batch.lastPosition()) {
            finish(r);
          }
        }
      });
    } catch (WalPositionDeletedException e) {
      throw cannotRestore(read, e.firstPosition());
    }
    for (ColdRewrite r : read) {
      if (r.written == null) {
        finish(r);
      }
    }
    return records;
  }

  /** Ends {@code r}'s file and checks it holds what the manifest says the old one held. */
  private void finish(ColdRewrite r) {
    if (r.file == null) {
      throw new ReplayException("cannot " + r.verb() + " " + r.describe() + " of the cold store at " + dir
          + ": the WAL holds no row of that day in that range; nothing was changed (is this the store's WAL?)");
    }
    try {
      r.written = r.file.finish();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + r.path + " of the cold store at " + dir + ": " + e.getMessage(), e);
    }
    if (!r.written.equals(r.expected())) {
      throw new ReplayException("cannot " + r.verb() + " " + r.describe() + " of the cold store at " + dir + ": the WAL gives "
          + r.written.rows() + " rows in WAL " + r.written.firstPosition() + "–" + r.written.lastPosition()
          + "; nothing was changed (is this the store's WAL?)");
    }
  }

  private void commit(List<ColdRewrite> rewrites) {
    Map<Manifest.CommittedFile, Manifest.CommittedFile> replacements = new LinkedHashMap<>();
    TreeSet<Path> dayDirs = new TreeSet<>();
    for (ColdRewrite r : rewrites) {
      replacements.put(r.old, r.written);
      dayDirs.add(dir.resolve(DayFile.dirName(r.day)));
    }
    try {
      for (Path dayDir : dayDirs) {
        Fsync.directory(dayDir);
      }
      Fsync.directory(dir);
      store.commitReplacements(replacements);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit the replayed files of the cold store at " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the new files, unless a failed commit listed them after all. */
  private void abandon(List<ColdRewrite> rewrites) {
    for (ColdRewrite r : rewrites) {
      if (r.file != null && store.manifest().files().stream().noneMatch(f -> f.path().equals(r.path))) {
        r.file.abandon();
      }
    }
  }

  /** Deletes the old files a commit replaced (after it, so never before the new manifest is durable). */
  private void deleteReplaced(List<ColdRewrite> rewrites) {
    TreeSet<Path> dayDirs = new TreeSet<>();
    for (ColdRewrite r : rewrites) {
      if (!r.missing) {
        try {
          Files.deleteIfExists(dir.resolve(r.old.path()));
          dayDirs.add(dir.resolve(DayFile.dirName(r.day)));
        } catch (IOException e) {
          LOG.warn("cold store {}: cannot delete the replaced file {} (deleted at the next start): {}", dir, r.old.path(), e.toString());
        }
      }
    }
    for (Path dayDir : dayDirs) {
      try {
        Fsync.directory(dayDir);
      } catch (IOException e) {
        LOG.warn("cold store {}: cannot sync {} after deleting replaced files: {}", dir, dayDir, e.toString());
      }
    }
  }

  /** Keeps the log from the first position the replay reads (it may be before the range the caller pinned). */
  private AutoCloseable hold(List<ColdRewrite> rewrites) {
    long first = rewrites.stream().mapToLong(r -> r.old.firstPosition()).min().orElseThrow();
    try {
      return log.hold(first);
    } catch (WalPositionDeletedException e) {
      throw cannotRestore(rewrites.stream().filter(r -> r.old.firstPosition() < e.firstPosition()).toList(), e.firstPosition());
    }
  }

  private void release(AutoCloseable hold) {
    if (hold == null) {
      return;
    }
    try {
      hold.close();
    } catch (Exception e) {
      LOG.warn("cold store {}: cannot release the replay's hold on the WAL: {}", dir, e.toString());
    }
  }

  private void refuseWhatTheLogNoLongerHolds(List<ColdRewrite> rewrites) {
    long first = log.firstPosition();
    List<ColdRewrite> gone = rewrites.stream().filter(r -> first == Wal.NONE || r.old.firstPosition() < first).toList();
    if (!gone.isEmpty()) {
      throw cannotRestore(gone, first);
    }
  }

  private ReplayException cannotRestore(List<ColdRewrite> gone, long logFirst) {
    ColdRewrite one = gone.get(0);
    String more = gone.size() > 1 ? " and " + (gone.size() - 1) + " more files" : "";
    String log = logFirst == Wal.NONE ? "the WAL is empty" : "the WAL starts at position " + logFirst;
    return new ReplayException("cannot " + one.verb() + " " + one.describe() + more
        + " of the cold store at " + dir + ": " + log + "; nothing was changed"
        + (one.missing ? " (restore the file from a backup)" : " (replay without rebuild to leave the files on disk alone)"));
  }

  /** The rewrites in order of their first position, those whose ranges are near in one read of the log. */
  private List<List<ColdRewrite>> groupIntoReads(List<ColdRewrite> rewrites) {
    List<ColdRewrite> sorted = new ArrayList<>(rewrites);
    sorted.sort(Comparator.comparingLong(r -> r.old.firstPosition()));
    List<List<ColdRewrite>> reads = new ArrayList<>();
    List<ColdRewrite> current = null;
    long currentLast = Long.MIN_VALUE;
    for (ColdRewrite r : sorted) {
      long first = r.old.firstPosition();
      boolean near = current != null && (first <= currentLast
          || withinGap(log.recordsIn(currentLast + 1, first - 1)));
      if (!near) {
        current = new ArrayList<>();
        reads.add(current);
        currentLast = Long.MIN_VALUE;
      }
      current.add(r);
      currentLast = Math.max(currentLast, r.old.lastPosition());
    }
    return reads;
  }

  private static boolean withinGap(long records) {
    return records >= 0 && records <= ONE_READ_GAP_RECORDS;
  }

  private static long lastOf(List<ColdRewrite> read) {
    return read.stream().mapToLong(r -> r.old.lastPosition()).max().orElseThrow();
  }

  private ReplayOutcome outcome(int inRange, List<ColdRewrite> rewrites, long records, String summary) {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("files_in_range", (long) inRange);
    counts.put("files_restored", rewrites.stream().filter(r -> r.missing).count());
    counts.put("files_rebuilt", rewrites.stream().filter(r -> !r.missing).count());
    counts.put("rows_written", rewrites.stream().mapToLong(r -> r.old.rows()).sum());
    counts.put("records_read", records);
    counts.put("days", rewrites.stream().map(r -> r.day).distinct().count());
    return new ReplayOutcome("cold", counts, summary);
  }

  /** "restored 2 of 5 committed files in WAL …: 120 rows; day 2026-11-20 (2 files, WAL a–b, 120 rows)". */
  private static String describe(List<ColdRewrite> rewrites, int inRange, String range, boolean done) {
    long restored = rewrites.stream().filter(r -> r.missing).count();
    long rebuilt = rewrites.size() - restored;
    List<String> verbs = new ArrayList<>();
    if (restored > 0) {
      verbs.add((done ? "restored " : "restore ") + restored);
    }
    if (rebuilt > 0) {
      verbs.add((done ? "rebuilt " : "rebuild ") + rebuilt);
    }
    StringBuilder line = new StringBuilder(String.join(" and ", verbs))
        .append(" of ").append(inRange).append(" committed files in ").append(range).append(": ")
        .append(rewrites.stream().mapToLong(r -> r.old.rows()).sum()).append(" rows");
    Map<LocalDate, List<ColdRewrite>> byDay = byDay(rewrites);
    int shown = 0;
    for (Map.Entry<LocalDate, List<ColdRewrite>> day : byDay.entrySet()) {
      if (shown++ == DAYS_IN_SUMMARY) {
        line.append(", and ").append(byDay.size() - DAYS_IN_SUMMARY).append(" more days");
        break;
      }
      line.append(shown == 1 ? "; " : ", ").append(describeDay(day.getKey(), day.getValue()));
    }
    return line.toString();
  }

  private void logDays(List<ColdRewrite> rewrites) {
    for (Map.Entry<LocalDate, List<ColdRewrite>> day : byDay(rewrites).entrySet()) {
      boolean anyMissing = day.getValue().stream().anyMatch(r -> r.missing);
      boolean anyPresent = day.getValue().stream().anyMatch(r -> !r.missing);
      String verb = anyMissing && anyPresent ? "restored and rebuilt" : anyMissing ? "restored" : "rebuilt";
      LOG.info("cold store {}: {} {}", dir, verb, describeDay(day.getKey(), day.getValue()));
    }
  }

  private static Map<LocalDate, List<ColdRewrite>> byDay(List<ColdRewrite> rewrites) {
    Map<LocalDate, List<ColdRewrite>> byDay = new TreeMap<>();
    rewrites.forEach(r -> byDay.computeIfAbsent(r.day, d -> new ArrayList<>()).add(r));
    return byDay;
  }

  private static String describeDay(LocalDate day, List<ColdRewrite> files) {
    long first = files.stream().mapToLong(r -> r.old.firstPosition()).min().orElseThrow();
    long last = files.stream().mapToLong(r -> r.old.lastPosition()).max().orElseThrow();
    long rows = files.stream().mapToLong(r -> r.old.rows()).sum();
    String what = files.size() == 1 ? files.get(0).old.path() : files.size() + " files";
    return "day " + day + " (" + what + ", WAL " + first + "–" + last + ", " + rows + " rows)";
  }
}
