package io.pingstack.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import io.pingstack.model.Wal;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.WalFile;
import io.pingstack.model.WalReader;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/pingstack wal dump} and {@code wal verify}: every record of a stopped service's log,
 * read in position order. A record is good when it parses whole as a {@code WalRecord}, every ping
 * included; one that does not is reported by position and never skipped silently.
 */
final class WalRecords {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int MAX_BAD_LINES = 20;

  private WalRecords() {}

  /** One end of a range: a position, or a time of receipt. Both ends are inclusive. */
  record Bound(long position, Instant time) {
    /** A position (digits) or an RFC 3339 time such as {@code 2026-11-21T10:00:00Z}. */
    static Bound parse(String option, String text) {
      if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
        try {
          return new Bound(Long.parseLong(text), null);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(option + " is not a WAL position: too large");
        }
      }
      try {
        return new Bound(Wal.NONE, OffsetDateTime.parse(text).toInstant());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(option + " must be a WAL position (digits) or an RFC 3339 time like 2026-11-21T10:00:00Z");
      }
    }

    boolean isTime() {
      return time != null;
    }
  }

  /**
   * Prints the records in {@code [from, to]} (either may be null: from the first, to the last), at
   * most {@code limit}, one JSON object per line. Selecting by time assumes times of receipt grow
   * with positions, which holds up to the milliseconds a request waits for the writer. Returns 0,
   * or 1 when a record in the range does not decode (it is printed as {@code {"position", "error"}}).
   */
  static int dump(Wal wal, Bound from, Bound to, long limit, PrintStream out) {
    List<WalFile> files;
    try {
      files = wal.files();
    } catch (RuntimeException | InternalError damaged) {
      files = null; // a damaged record length: read from where asked, up to the damage
    }
    long start = from == null || (files == null && from.isTime()) ? wal.firstPosition()
        : files == null ? from.position()
        : from.isTime() ? WalTimes.firstReceivedAtOrAfter(files, WalTimes.of(wal), from.time())
        : WalReport.firstAtOrAfter(files, from.position());
    if (start == Wal.NONE || limit <= 0) {
      return 0;
    }
    int status = 0;
    long printed = 0;
    try (WalReader reader = wal.reader(start)) {
      while (printed < limit) {
        WalReader.RawEntry e;
        try {
          e = reader.nextRaw();
        } catch (WalCorruptException unreadable) {
          // Chronicle's framing of this record is damaged: nothing after it can be found.
          out.println(json(g -> {
            g.writeNumberField("position", unreadable.position());
            g.writeStringField("error", "cannot be read, nor anything after it: " + unreadable.getMessage());
          }));
          return 1;
        } catch (RuntimeException | InternalError unreadable) {
          out.println(json(g -> g.writeStringField("error", "the log cannot be read further: " + unreadable)));
          return 1;
        }
        if (e == null) {
          break;
        }
        if (to != null && !to.isTime() && e.position() > to.position()) {
          break;
        }
        WalRecord record;
        try {
          record = WalRecord.parseFrom(e.bytes());
        } catch (InvalidProtocolBufferException bad) {
          out.println(json(g -> {
            g.writeNumberField("position", e.position());
            g.writeStringField("error", "does not decode: " + bad.getMessage());
          }));
          printed++;
          status = 1;
          continue;
        }
        Instant received = WalReport.micros(record.getReceivedAtMicros());
        if (from != null && from.isTime() && received.isBefore(from.time())) {
          continue;
        }
        if (to != null && to.isTime() && received.isAfter(to.time())) {
          break;
        }
        out.println(json(g -> write(g, e.position(), received, record)));
        printed++;
        if (printed % 1024 == 0 && out.checkError()) {
          break; // the reader went away (| head)
        }
      }
    }
    return status;
  }

  /**
   * Reads every record and checks it decodes; prints each bad position (the first {@value
   * #MAX_BAD_LINES}) and a summary. Returns 0 when every record the log's files hold was read and
   * decodes, else 1. A damaged record length stops the reading there (nothing after it can be
   * found). Such a length in a file's last record makes the file list fail (the count stays
   * unknown); {@link InternalError}s are caught too, should Chronicle still read past a file's end.
   */
  static int verify(Wal wal, PrintStream out) {
    List<WalFile> files = List.of();
    String unreadable = null;
    long expected = -1;
    try {
      files = wal.files();
      expected = 0;
      for (WalFile f : files) {
        expected += f.records();
      }
    } catch (RuntimeException | InternalError e) {
      unreadable = "its files cannot be listed: " + e;
    }
    long read = 0;
    long pings = 0;
    long bad = 0;
    long firstBad = Wal.NONE;
    long lastRead = Wal.NONE;
    long firstRead = Wal.NONE;
    try (WalReader reader = wal.reader(Wal.NONE)) {
      while (true) {
        WalReader.RawEntry e;
        try {
          e = reader.nextRaw();
        } catch (RuntimeException | InternalError failure) {
          unreadable = failure.toString();
          break;
        }
        if (e == null) {
          break;
        }
        read++;
        lastRead = e.position();
        firstRead = read == 1 ? e.position() : firstRead;
        try {
          pings += WalRecord.parseFrom(e.bytes()).getPingsCount();
        } catch (InvalidProtocolBufferException failure) {
          if (bad++ < MAX_BAD_LINES) {
            out.println("bad record at position " + e.position() + " in " + fileOf(files, e.position()) + ": " + failure.getMessage());
          }
          if (firstBad == Wal.NONE) {
            firstBad = e.position();
          }
        }
      }
    } catch (RuntimeException | InternalError failure) {
      // Opening or closing a reader over a damaged file (a BufferOverflowException once, in a full build).
      unreadable = unreadable == null ? failure.toString() : unreadable;
    }
    if (bad > MAX_BAD_LINES) {
      out.println("... and " + (bad - MAX_BAD_LINES) + " more bad records");
    }
    String range = read == 0 ? "" : " (positions " + firstRead + ".." + lastRead + ")";
    if (bad > 0) {
      out.println("BAD: " + bad + " of " + read + " records" + range + " do not decode; the first bad position is " + firstBad
          + " in " + fileOf(files, firstBad));
    }
    if (unreadable != null || read < expected) {
      out.println("BAD: the log cannot be read after position " + lastRead + ": " + read + " records read"
          + (expected < 0 ? "" : " of its " + expected) + (unreadable == null ? "" : ": " + unreadable));
    }
    if (bad > 0 || unreadable != null || read < expected) {
      return 1;
    }
    out.println("OK: " + read + " records" + range + " in " + WalStatusText.count(files.size(), "file") + ", " + pings
        + " pings: every record decodes");
    return 0;
  }

  private static String fileOf(List<WalFile> files, long position) {
    for (WalFile f : files) {
      if (f.records() > 0 && position >= f.firstPosition() && position <= f.lastPosition()) {
        return f.name();
      }
    }
    return "an unknown file";
  }

  private static void write(JsonGenerator g, long position, Instant received, WalRecord record) throws IOException {
    g.writeNumberField("position", position);
    g.writeStringField("received_at", received.toString());
    g.writeStringField("ingest_node", record.getIngestNode());
    g.writeStringField("principal", record.getPrincipal());
    g.writeArrayFieldStart("pings");
    for (Ping p : record.getPingsList()) {
      g.writeStartObject();
      g.writeStringField("ping_id", p.getPingId());
      g.writeStringField("instance_id", p.getInstanceId());
      g.writeStringField("timestamp", p.hasTimestamp()
          ? Instant.ofEpochSecond(p.getTimestamp().getSeconds(), p.getTimestamp().getNanos()).toString() : null);
      g.writeStringField("event", p.getEvent());
      g.writeStringField("version", p.getVersion());
      g.writeStringField("deploy_type", p.getDeployType());
      g.writeObjectFieldStart("metrics");
      for (Map.Entry<String, Double> m : p.getMetricsMap().entrySet()) {
        g.writeNumberField(m.getKey(), m.getValue());
      }
      g.writeEndObject();
      g.writeObjectFieldStart("dimensions");
      for (Map.Entry<String, String> d : p.getDimensionsMap().entrySet()) {
        g.writeStringField(d.getKey(), d.getValue());
      }
      g.writeEndObject();
      g.writeFieldName("payload");
      if (p.getPayload().isEmpty()) {
        g.writeNull();
      } else if (isJson(p.getPayload())) {
        g.writeRawValue(p.getPayload());
      } else {
        g.writeString(p.getPayload());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** True when {@code text} is exactly one JSON value, so it can be copied into a line verbatim. */
  private static boolean isJson(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() == null) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  /** Writes one object's fields. */
  interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  /** One JSON object on one line. */
  static String json(Fields fields) {
    StringWriter text = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(text)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }
}
