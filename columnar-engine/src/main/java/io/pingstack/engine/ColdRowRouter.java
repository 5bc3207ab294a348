package io.pingstack.engine;

import io.pingstack.model.Wal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Writes the rows of a replay's batches into the files it rewrites: each row to the file of its
 * event day whose WAL range holds its position, if any (the files of one day have disjoint ranges).
 * A file is created at its first row. Memory: one scratch root (the rows of one file of one batch).
 */
final class ColdRowRouter implements AutoCloseable {
  private static final long MICROS_PER_DAY = 86_400_000_000L;

  private final Path dir;
  private final ArrowColdStoreConfig config;
  private final BufferAllocator allocator;
  private final PingVectors scratch;
  private ColdRewrite[] rowTargets = new ColdRewrite[0];

  ColdRowRouter(Path dir, ArrowColdStoreConfig config) {
    this.dir = dir;
    this.config = config;
    this.allocator = EngineMemory.child("arrow-cold-replay", Long.MAX_VALUE);
    try {
      this.scratch = new PingVectors(allocator);
    } catch (RuntimeException e) {
      allocator.close();
      throw e;
    }
  }

  /** Writes the rows of {@code batch} that belong to a file of {@code byDay} (epoch day → first position → file). */
  void route(ColumnBatch batch, Map<Long, NavigableMap<Long, ColdRewrite>> byDay) {
    int rows = batch.rowCount();
    if (rowTargets.length < rows) {
      rowTargets = new ColdRewrite[Math.max(rows, rowTargets.length * 2)];
    }
    List<ColdRewrite> touched = new ArrayList<>(2);
    int routed = 0;
    for (int row = 0; row < rows; row++) {
      ColdRewrite target = null;
      NavigableMap<Long, ColdRewrite> files = byDay.get(Math.floorDiv(batch.timestampMicros(row), MICROS_PER_DAY));
      if (files != null) {
        Map.Entry<Long, ColdRewrite> candidate = files.floorEntry(batch.walPosition(row));
        if (candidate != null && batch.walPosition(row) <= candidate.getValue().old.lastPosition()) {
          target = candidate.getValue();
          routed++;
          if (!touched.contains(target)) {
            touched.add(target);
          }
        }
      }
      rowTargets[row] = target;
    }
    try {
      if (touched.size() == 1 && routed == rows) {
        fileOf(touched.get(0)).write(batch.root(), batch.walPosition(0), batch.walPosition(rows - 1), rows);
        return;
      }
      for (ColdRewrite target : touched) {
        copyAndWrite(batch.vectors(), rows, target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the replayed files of the cold store at " + dir + ": " + e.getMessage(), e);
    }
  }

  private void copyAndWrite(PingVectors from, int rows, ColdRewrite target) throws IOException {
    scratch.reset();
    int count = 0;
    long first = Wal.NONE;
    long last = Wal.NONE;
    for (int row = 0; row < rows; row++) {
      if (rowTargets[row] == target) {
        scratch.copyRow(from, row, count++);
        last = from.walPosition.get(row);
        if (first == Wal.NONE) {
          first = last;
        }
      }
    }
    scratch.seal(count);
    fileOf(target).write(scratch.root, first, last, count);
  }

  private DayFile fileOf(ColdRewrite target) throws IOException {
    if (target.file == null) {
      target.file = DayFile.createNamed(dir, target.day, target.name(), scratch.root, config);
      if (target.file.createdDir()) {
        Fsync.directory(dir);
      }
    }
    return target.file;
  }

  @Override
  public void close() {
    try {
      scratch.close();
    } finally {
      allocator.close();
    }
  }
}
