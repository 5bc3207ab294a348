package io.pingstack.wal;

import io.pingstack.model.Wal;
import io.pingstack.model.WalFile;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.Wires;

/**
 * Describes the log's files (one per hourly cycle). A file's bytes are Chronicle's write position in
 * it (header, index and records): the files are sparse and each has an apparent length of several
 * hundred MiB whatever it holds. Only the newest file changes, so the others are described once and
 * remembered until retention deletes them.
 */
final class LogFiles {
  /** A file and its cycle. */
  record Entry(int cycle, WalFile file) {}

  private final SingleChronicleQueue queue;
  private final IntFunction<File> fileOfCycle;
  private final ConcurrentHashMap<Integer, WalFile> complete = new ConcurrentHashMap<>();

  LogFiles(SingleChronicleQueue queue, IntFunction<File> fileOfCycle) {
    this.queue = queue;
    this.fileOfCycle = fileOfCycle;
  }

  /** Every file, oldest first. Any thread. */
  List<Entry> list() {
    int first = queue.firstCycle();
    int last = queue.lastCycle();
    if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE) {
      return List.of();
    }
    NavigableSet<Long> cycles = queue.listCyclesBetween(first, last);
    complete.keySet().removeIf(cycle -> !cycles.contains((long) cycle));
    List<Entry> entries = new ArrayList<>(cycles.size());
    for (long c : cycles) {
      int cycle = (int) c;
      WalFile file = cycle < last ? complete.computeIfAbsent(cycle, this::describe) : describe(cycle);
      if (file != null) {
        entries.add(new Entry(cycle, file));
      }
    }
    return entries;
  }

  /** Forgets what was remembered of a deleted file. */
  void forget(int cycle) {
    complete.remove(cycle);
  }

  /** The file of {@code cycle}, or null when it is gone (retention deleted it meanwhile). */
  private WalFile describe(int cycle) {
    SingleChronicleQueueStore store;
    try {
      store = queue.storeForCycle(cycle, queue.epoch(), false, null);
    } catch (RuntimeException e) {
      if (!fileOfCycle.apply(cycle).exists()) {
        return null;
      }
      throw e;
    }
    if (store == null) {
      return null;
    }
    long bytes;
    try {
      bytes = store.writePosition();
    } finally {
      queue.closeStore(store);
    }
    checkLastFrame(fileOfCycle.apply(cycle), bytes);
    RollCycle rollCycle = queue.rollCycle();
    long start = rollCycle.toIndex(cycle, 0);
    // Sequence numbers are dense within a cycle and start at 0.
    long records = queue.countExcerpts(start, rollCycle.toIndex(cycle + 1, 0));
    return new WalFile(fileOfCycle.apply(cycle).getName(), bytes, records,
        records > 0 ? start : Wal.NONE, records > 0 ? start + records - 1 : Wal.NONE);
  }

  /**
   * Chronicle counts a file's records by scanning its frames from the last one written ({@code
   * lastFrame}) through its memory map. A damaged length there sends the scan past the file's end:
   * the JVM turns that fault into an {@link InternalError} raised at some later, unrelated point of
   * this thread, so it cannot be caught where it happens. The last frame is read with a plain file
   * read first and a length that runs past the end is reported here instead.
   */
  private static void checkLastFrame(File file, long lastFrame) {
    if (lastFrame <= 0) {
      return;
    }
    try (FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder());
      channel.read(header, lastFrame);
      if (header.hasRemaining()) {
        throw new UncheckedIOException(new IOException("WAL file " + file + " ends inside its last record's header (byte "
            + lastFrame + ")"));
      }
      int length = Wires.lengthOf(header.getInt(0));
      long end = lastFrame + Integer.BYTES + length;
      if (end > channel.size()) {
        throw new UncheckedIOException(new IOException("WAL file " + file + " is damaged: the record at byte " + lastFrame
            + " claims " + length + " bytes, past the file's end (" + channel.size() + " bytes)"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read WAL file " + file + ": " + e.getMessage(), e);
    }
  }
}
