package io.pingstack.server;

import com.fasterxml.jackson.core.JsonGenerator;
import io.pingstack.engine.WalConsumer;
import io.pingstack.model.RetentionPin;
import io.pingstack.model.Wal;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalFile;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalRecordIds;
import io.pingstack.wal.WalConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code GET /admin/wal} and {@code bin/pingstack wal status} say about the log: its files,
 * first and last record (position and time received), bytes, each consumer's position and lag, and
 * what holds retention. Live, the consumers are the running ones; offline, their positions are the
 * ones stored with their output. Positions and times that do not exist are null.
 */
record WalReport(
    Path dir,
    Long firstPosition,
    Long lastPosition,
    Instant firstTime,
    Instant lastTime,
    long records,
    long totalBytes,
    long diskFreeBytes,
    List<FileRow> files,
    List<ConsumerRow> consumers,
    Retention retention) {

  /** A log file and when its first and last records were received. */
  record FileRow(WalFile file, Instant firstTime, Instant lastTime) {}

  /**
   * One consumer.
   *
   * @param appliedPosition last position its sink accepted (offline: the stored one)
   * @param durablePosition the position stored with its output, where a restart resumes; null when unknown
   * @param lagRecords records after {@code durablePosition} offline, after {@code appliedPosition} live
   * @param lagSeconds age of the oldest record it has not applied (0 when caught up)
   * @param up false once it stopped for good at a record it cannot decode; null offline
   * @param source where an offline position was read, or why it is unknown; null live
   */
  record ConsumerRow(String name, Long appliedPosition, Long durablePosition, Long lagRecords, Double lagSeconds, Boolean up,
      String source) {}

  /** An offline consumer's stored position (null: unknown) and where it came from. */
  record Stored(String name, Long position, String source) {}

  /** A consumer or pin and the oldest file it keeps (null: it keeps none yet). */
  record PinRow(String name, String kind, Long position, String fromFile) {}

  /** Retention's settings and what holds the log now. */
  record Retention(Duration minAge, long maxBytes, boolean overMaxBytes, List<PinRow> pins, String oldestFile,
      List<String> oldestFileHeldBy) {}

  /**
   * The log of the running service and its live consumers. {@code fileTimes} remembers the times of
   * files that no longer change (all but the newest) from one call to the next: reading them costs
   * a millisecond or two per file.
   */
  static WalReport live(Wal wal, WalConfig config, List<WalConsumer> consumers, Map<String, FileRow> fileTimes) {
    List<WalFile> files = wal.files();
    List<RetentionPin> pins = wal.retentionPins();
    List<ConsumerRow> rows = new ArrayList<>();
    for (WalConsumer c : consumers) {
      Long durable = null;
      for (RetentionPin pin : pins) {
        if (pin.kind() == RetentionPin.Kind.CONSUMER && pin.name().equals(c.name())) {
          durable = position(pin.position());
        }
      }
      rows.add(new ConsumerRow(c.name(), position(c.appliedPosition()), durable, c.lagRecords(), c.lagSeconds(),
          c.failure() == null, null));
    }
    return build(wal, config, files, pins, rows, fileTimes);
  }

  /** The log of a stopped service, its consumers at the positions stored with their output. */
  static WalReport offline(Wal wal, WalConfig config, List<Stored> stored, Instant now) {
    List<WalFile> files = wal.files();
    List<RetentionPin> pins = new ArrayList<>(wal.retentionPins());
    List<ConsumerRow> rows = new ArrayList<>();
    long last = wal.lastPosition();
    for (Stored s : stored) {
      if (s.position() == null) {
        rows.add(new ConsumerRow(s.name(), null, null, null, null, null, s.source()));
        continue;
      }
      long p = s.position();
      pins.add(new RetentionPin(s.name(), RetentionPin.Kind.CONSUMER, p));
      Instant oldestUnapplied = receivedAt(wal, nextPosition(files, p));
      double lagSeconds = oldestUnapplied == null ? 0 : Math.max(0, Duration.between(oldestUnapplied, now).toNanos() / 1e9);
      rows.add(new ConsumerRow(s.name(), position(p), position(p), wal.recordsBetween(p, last), lagSeconds, null, s.source()));
    }
    return build(wal, config, files, pins, rows, new HashMap<>());
  }

  private static WalReport build(Wal wal, WalConfig config, List<WalFile> files, List<RetentionPin> pins, List<ConsumerRow> consumers,
      Map<String, FileRow> fileTimes) {
    long first = wal.firstPosition();
    long last = wal.lastPosition();
    List<FileRow> fileRows = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < files.size(); i++) {
      WalFile f = files.get(i);
      FileRow known = fileTimes.get(f.name());
      FileRow row = known != null && known.file().equals(f) ? known
          : new FileRow(f, receivedAt(wal, f.firstPosition()), receivedAt(wal, f.lastPosition()));
      if (i < files.size() - 1) {
        fileTimes.put(f.name(), row);
      }
      fileRows.add(row);
      bytes += f.bytes();
    }
    fileTimes.keySet().retainAll(files.stream().map(WalFile::name).toList());
    String oldest = files.isEmpty() ? null : files.get(0).name();
    List<PinRow> pinRows = new ArrayList<>();
    List<String> heldBy = new ArrayList<>();
    for (RetentionPin pin : pins) {
      String from = fromFile(files, pin.position());
      pinRows.add(new PinRow(pin.name(), pin.kind().code(), position(pin.position()), from));
      if (from != null && from.equals(oldest)) {
        heldBy.add(pin.name());
      }
    }
    Retention retention = new Retention(config.retentionMinAge(), config.retentionMaxBytes(),
        config.retentionMaxBytes() > 0 && bytes > config.retentionMaxBytes(), pinRows, oldest, heldBy);
    return new WalReport(config.dir(), position(first), position(last), receivedAt(wal, first), receivedAt(wal, last),
        wal.recordsBetween(Wal.NONE, last), bytes, wal.diskFreeBytes(), fileRows, consumers, retention);
  }

  static Long position(long position) {
    return position == Wal.NONE ? null : position;
  }

  /** The first position after {@code after} that a file holds, or NONE. Positions are dense within a file only. */
  static long nextPosition(List<WalFile> files, long after) {
    for (WalFile f : files) {
      if (f.records() == 0) {
        continue;
      }
      if (after < f.firstPosition()) {
        return f.firstPosition();
      }
      if (after < f.lastPosition()) {
        return after + 1;
      }
    }
    return Wal.NONE;
  }

  /** The first position at or after {@code from} (not negative) that a file holds, or NONE. */
  static long firstAtOrAfter(List<WalFile> files, long from) {
    return nextPosition(files, from - 1);
  }

  /** The last position at or before {@code upTo} that a file holds, or NONE. */
  static long lastAtOrBefore(List<WalFile> files, long upTo) {
    long found = Wal.NONE;
    for (WalFile f : files) {
      if (f.records() == 0) {
        continue;
      }
      if (upTo < f.firstPosition()) {
        break;
      }
      found = Math.min(upTo, f.lastPosition());
    }
    return found;
  }

  /** The file a consumer or pin at {@code position} keeps first: the one holding it, or the next one; NONE keeps the oldest. */
  private static String fromFile(List<WalFile> files, long position) {
    for (WalFile f : files) {
      if (f.records() > 0 && (position == Wal.NONE || position <= f.lastPosition())) {
        return f.name();
      }
    }
    return null;
  }

  /** When the record at {@code position} was received, or null when there is none or it does not decode. */
  static Instant receivedAt(Wal wal, long position) {
    if (position == Wal.NONE) {
      return null;
    }
    try (WalReader reader = wal.reader(position)) {
      WalReader.RawEntry entry = reader.nextRaw();
      if (entry == null || entry.position() != position) {
        return null;
      }
      return micros(WalRecordIds.read(position, entry.bytes(), (record, io, il, po, pl) -> {}));
    } catch (WalCorruptException e) {
      return null;
    }
  }

  static Instant micros(long epochMicros) {
    return Instant.EPOCH.plus(epochMicros, ChronoUnit.MICROS);
  }

  void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("dir", dir.toString());
    number(g, "first_position", firstPosition);
    number(g, "last_position", lastPosition);
    time(g, "first_time", firstTime);
    time(g, "last_time", lastTime);
    g.writeNumberField("records", records);
    g.writeNumberField("total_bytes", totalBytes);
    g.writeNumberField("disk_free_bytes", diskFreeBytes);
    g.writeArrayFieldStart("files");
    for (FileRow f : files) {
      g.writeStartObject();
      g.writeStringField("name", f.file().name());
      g.writeNumberField("bytes", f.file().bytes());
      g.writeNumberField("records", f.file().records());
      number(g, "first_position", position(f.file().firstPosition()));
      number(g, "last_position", position(f.file().lastPosition()));
      time(g, "first_time", f.firstTime());
      time(g, "last_time", f.lastTime());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("consumers");
    for (ConsumerRow c : consumers) {
      g.writeStartObject();
      g.writeStringField("name", c.name());
      number(g, "applied_position", c.appliedPosition());
      number(g, "durable_position", c.durablePosition());
      number(g, "lag_records", c.lagRecords());
      if (c.lagSeconds() == null) {
        g.writeNullField("lag_seconds");
      } else {
        g.writeNumberField("lag_seconds", c.lagSeconds());
      }
      if (c.up() != null) {
        g.writeBooleanField("up", c.up());
      }
      if (c.source() != null) {
        g.writeStringField("source", c.source());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeObjectFieldStart("retention");
    g.writeNumberField("min_age_seconds", retention.minAge().toSeconds());
    g.writeNumberField("max_bytes", retention.maxBytes());
    g.writeBooleanField("over_max_bytes", retention.overMaxBytes());
    g.writeArrayFieldStart("pins");
    for (PinRow p : retention.pins()) {
      g.writeStartObject();
      g.writeStringField("name", p.name());
      g.writeStringField("kind", p.kind());
      number(g, "position", p.position());
      g.writeStringField("from_file", p.fromFile());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeStringField("oldest_file", retention.oldestFile());
    g.writeArrayFieldStart("oldest_file_held_by");
    for (String name : retention.oldestFileHeldBy()) {
      g.writeString(name);
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void number(JsonGenerator g, String field, Long value) throws IOException {
    if (value == null) {
      g.writeNullField(field);
    } else {
      g.writeNumberField(field, value);
    }
  }

  private static void time(JsonGenerator g, String field, Instant value) throws IOException {
    g.writeStringField(field, value == null ? null : value.toString());
  }
}
