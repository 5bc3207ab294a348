package io.pingstack.wal;

import io.pingstack.model.RetentionPin;
import io.pingstack.model.Wal;
import io.pingstack.model.WalPositionDeletedException;
import io.pingstack.wal.WalMetrics.RetentionBlock;
import io.pingstack.wal.WalMetrics.RetentionCause;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes whole log files (one per hourly cycle), oldest first, while the oldest is older than
 * {@code retentionMinAge} (measured from the end of its hour) or the log holds more than {@code
 * retentionMaxBytes}: the size limit wins over the minimum age. Whatever the reason, it never
 * deletes the newest file, nor the file holding a pin's position or any later one. A pin is a
 * registered consumer at its durable position, or a {@link Wal.Pin} (a replay's range).
 *
 * <p>When a pin stops a deletion the pass reports it ({@link WalMetrics#retentionPassed}) and logs a
 * warning naming the pin, at most every {@value #WARN_EVERY_MINUTES} minutes per pin.
 */
final class Retention implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  private static final long WARN_EVERY_MINUTES = 10;

  private final SingleChronicleQueue queue;
  private final LogFiles files;
  private final WalConfig config;
  private final WalMetrics metrics;
  private final IntFunction<File> fileOfCycle;
  private final TimeProvider time;
  private final Map<String, LongSupplier> consumers = new ConcurrentHashMap<>();
  private final Map<String, Hold> pins = new ConcurrentHashMap<>();
  private final Map<String, Long> lastWarnedMillis = new HashMap<>();
  private final Scheduler scheduler;

  Retention(SingleChronicleQueue queue, LogFiles files, WalConfig config, WalMetrics metrics, IntFunction<File> fileOfCycle,
      TimeProvider time) {
    this.queue = queue;
    this.files = files;
    this.config = config;
    this.metrics = metrics;
    this.fileOfCycle = fileOfCycle;
    this.time = time;
    this.scheduler = new Scheduler("pingstack-wal-retention");
  }

  void start() {
    scheduler.every(config.retentionInterval().toMillis(), this::runOnce);
  }

  synchronized void registerConsumer(String name, LongSupplier durablePosition) {
    checkFree(name);
    consumers.put(name, durablePosition);
  }

  /**
   * Holds the log from {@code fromPosition} on. The log's first position is read and the pin
   * registered between two passes, so no pass deletes what the check found.
   */
  synchronized Wal.Pin pin(String name, long fromPosition, LongSupplier firstPositionNow) {
    checkFree(name);
    long firstPosition = firstPositionNow.getAsLong();
    if (fromPosition != Wal.NONE && firstPosition != Wal.NONE && fromPosition < firstPosition) {
      throw new WalPositionDeletedException(fromPosition, firstPosition);
    }
    Hold hold = new Hold(name, fromPosition);
    pins.put(name, hold);
    return hold;
  }

  private void checkFree(String name) {
    if (consumers.containsKey(name) || pins.containsKey(name)) {
      throw new IllegalStateException("WAL consumer or pin already registered: " + name);
    }
  }

  /** Consumers first, then pins, each by name. */
  List<RetentionPin> pins() {
    List<RetentionPin> all = new ArrayList<>();
    consumers.forEach((name, position) -> all.add(new RetentionPin(name, RetentionPin.Kind.CONSUMER, position.getAsLong())));
    pins.values().forEach(hold -> all.add(new RetentionPin(hold.name, RetentionPin.Kind.PIN, hold.position)));
    all.sort(Comparator.comparing(RetentionPin::kind).thenComparing(RetentionPin::name));
    return all;
  }

  /** One pass; returns how many files were deleted. Package-private for tests. */
  synchronized int runOnce() {
    try {
      return pass(time.currentTimeMillis());
    } catch (RuntimeException | InternalError e) {
      // InternalError: Chronicle followed a damaged record length past a file's end. Thrown on, it
      // would cancel every later pass without a word.
      LOG.error("WAL retention pass failed in {}: {}; bin/pingstack wal verify (service stopped) finds damaged records",
          config.dir(), e.toString());
      return 0;
    }
  }

  private int pass(long nowMillis) {
    List<LogFiles.Entry> all = files.list();
    List<RetentionPin> pins = pins();
    long total = 0;
    for (LogFiles.Entry e : all) {
      total += e.file().bytes();
    }
    int keepFrom = Integer.MAX_VALUE;
    for (RetentionPin pin : pins) {
      keepFrom = Math.min(keepFrom, firstKeptCycle(pin));
    }
    int deleted = 0;
    List<RetentionBlock> blocked = List.of();
    for (int i = 0; i < all.size() - 1; i++) {
      LogFiles.Entry oldest = all.get(i);
      boolean old = isOld(oldest.cycle(), nowMillis);
      boolean over = isOver(total);
      if (!old && !over) {
        break;
      }
      if (oldest.cycle() >= keepFrom) {
        blocked = blocked(all, i, total, nowMillis, pins, keepFrom);
        break;
      }
      if (!delete(oldest, old ? RetentionCause.AGE : RetentionCause.SIZE)) {
        break;
      }
      total -= oldest.file().bytes();
      deleted++;
    }
    if (deleted > 0) {
      queue.refreshDirectoryListing();
    }
    lastWarnedMillis.keySet().retainAll(pins.stream().map(RetentionPin::name).toList());
    metrics.retentionPassed(blocked);
    return deleted;
  }

  private int firstKeptCycle(RetentionPin pin) {
    return pin.position() < 0 ? Integer.MIN_VALUE : queue.rollCycle().toCycle(pin.position());
  }

  private boolean isOld(int cycle, long nowMillis) {
    RollCycle rollCycle = queue.rollCycle();
    long cycleEndMillis = (cycle + 1L) * rollCycle.lengthInMillis();
    return nowMillis - cycleEndMillis >= config.retentionMinAge().toMillis();
  }

  private boolean isOver(long total) {
    return config.retentionMaxBytes() > 0 && total > config.retentionMaxBytes();
  }

  private boolean delete(LogFiles.Entry entry, RetentionCause cause) {
    File file = fileOfCycle.apply(entry.cycle());
    if (!file.exists()) {
      files.forget(entry.cycle());
      return true;
    }
    long bytes = entry.file().bytes();
    try {
      Files.delete(file.toPath());
    } catch (IOException e) {
      LOG.warn("WAL retention cannot delete {}: {}", file, e.toString());
      return false;
    }
    files.forget(entry.cycle());
    metrics.fileDeleted(cause, bytes);
    LOG.info("WAL retention deleted {} ({} bytes, {} records up to position {}): every consumer and pin has passed it and {}",
        file.getName(), bytes, entry.file().records(), entry.file().lastPosition(),
        cause == RetentionCause.AGE ? "it is older than wal.retention_min_age (" + setting(config.retentionMinAge()) + ")"
            : "the log is over wal.retention_max_bytes (" + config.retentionMaxBytes() + " bytes)");
    return true;
  }

  /**
   * The pins that hold the file at {@code from} (those whose position is in its cycle or before),
   * each with the bytes age and size would have deleted from there on without any pin.
   */
  private List<RetentionBlock> blocked(List<LogFiles.Entry> all, int from, long total, long nowMillis, List<RetentionPin> pins,
      int keepFrom) {
    RetentionCause cause = isOver(total) ? RetentionCause.SIZE : RetentionCause.AGE;
    long heldBack = 0;
    long remaining = total;
    for (int i = from; i < all.size() - 1; i++) {
      LogFiles.Entry e = all.get(i);
      if (!isOld(e.cycle(), nowMillis) && !isOver(remaining)) {
        break;
      }
      heldBack += e.file().bytes();
      remaining -= e.file().bytes();
    }
    LogFiles.Entry held = all.get(from);
    List<RetentionBlock> blocked = new ArrayList<>();
    for (RetentionPin pin : pins) {
      if (firstKeptCycle(pin) == keepFrom) {
        blocked.add(new RetentionBlock(pin.name(), cause, heldBack));
        warn(pin, cause, held, heldBack, total, nowMillis);
      }
    }
    return blocked;
  }

  private void warn(RetentionPin pin, RetentionCause cause, LogFiles.Entry held, long heldBack, long total, long nowMillis) {
    Long last = lastWarnedMillis.get(pin.name());
    if (last != null && nowMillis - last < TimeUnit.MINUTES.toMillis(WARN_EVERY_MINUTES)) {
      return;
    }
    lastWarnedMillis.put(pin.name(), nowMillis);
    String durable = pin.position() < 0 ? "nothing durable yet" : "durable only up to position " + pin.position();
    String who = pin.kind() == RetentionPin.Kind.CONSUMER
        ? "consumer '" + pin.name() + "' has made " + durable
        : "pin '" + pin.name() + "' (a replay) holds the log from position " + pin.position();
    String why = cause == RetentionCause.SIZE
        ? "the log holds " + total + " bytes, over wal.retention_max_bytes (" + config.retentionMaxBytes() + ")"
        : held.file().name() + " is older than wal.retention_min_age (" + setting(config.retentionMinAge()) + ")";
    String action = pin.kind() == RetentionPin.Kind.CONSUMER
        ? "Check that consumer (pingstack_consumer_up, pingstack_consumer_lag_records, pingstack_consumer_failures_total "
            + "and its log lines) and GET /admin/wal"
        : "It is released when that replay ends";
    LOG.warn("WAL retention blocked: {}, but {}, so {} and later files are kept ({} bytes retention would otherwise delete). {}; "
        + "until then the log grows, and ingest is refused (503) once free disk falls under wal.disk_reserve_bytes.",
        why, who, held.file().name(), heldBack, action);
  }

  /** A duration as the settings write it: {@code 7d}, {@code 6h}, {@code 30m}, {@code 45s}. */
  static String setting(Duration d) {
    long s = d.toSeconds();
    if (s > 0 && s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s > 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s > 0 && s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  @Override
  public void close() {
    scheduler.close();
  }

  /** A {@link Wal.Pin}: released by {@link #close()}. */
  private final class Hold implements Wal.Pin {
    private final String name;
    private volatile long position;

    Hold(String name, long position) {
      this.name = name;
      this.position = position;
    }

    @Override
    public long fromPosition() {
      return position;
    }

    @Override
    public void advance(long to) {
      synchronized (Retention.this) {
        if (to > position) {
          position = to;
        }
      }
    }

    @Override
    public void close() {
      pins.remove(name, this);
    }
  }
}
