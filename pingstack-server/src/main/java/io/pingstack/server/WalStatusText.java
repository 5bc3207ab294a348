package io.pingstack.server;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code bin/pingstack wal status} for a terminal: the same facts as the JSON, in columns. */
final class WalStatusText {
  private WalStatusText() {}

  static String render(WalReport r) {
    StringBuilder s = new StringBuilder();
    s.append("WAL ").append(r.dir()).append(" (service stopped)\n");
    s.append(String.format(Locale.ROOT, "  records     %d%n", r.records()));
    s.append(String.format(Locale.ROOT, "  first       %s%n", positionAndTime(r.firstPosition(), r.firstTime())));
    s.append(String.format(Locale.ROOT, "  last        %s%n", positionAndTime(r.lastPosition(), r.lastTime())));
    s.append(String.format(Locale.ROOT, "  bytes       %s in %s; %s free on its disk%n",
        bytes(r.totalBytes()), count(r.files().size(), "file"), bytes(r.diskFreeBytes())));
    s.append("\nfiles:\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "BYTES", "RECORDS", "FIRST POSITION", "LAST POSITION", "FIRST RECEIVED", "LAST RECEIVED"});
    for (WalReport.FileRow f : r.files()) {
      rows.add(new String[] {f.file().name(), bytes(f.file().bytes()), Long.toString(f.file().records()),
          text(WalReport.position(f.file().firstPosition())), text(WalReport.position(f.file().lastPosition())),
          text(f.firstTime()), text(f.lastTime())});
    }
    table(s, rows);
    s.append("\nconsumers (positions stored with their output; a restart resumes after them):\n");
    rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "POSITION", "LAG RECORDS", "LAG SECONDS", "FROM"});
    for (WalReport.ConsumerRow c : r.consumers()) {
      rows.add(new String[] {c.name(), text(c.durablePosition()), text(c.lagRecords()),
          c.lagSeconds() == null ? "-" : String.format(Locale.ROOT, "%.1f", c.lagSeconds()), c.source()});
    }
    table(s, rows);
    WalReport.Retention ret = r.retention();
    s.append(String.format(Locale.ROOT, "%nretention: files older than %s go once every consumer and pin has passed them; %s%n",
        duration(ret.minAge()), ret.maxBytes() == 0 ? "no size limit (wal.retention_max_bytes=0)"
            : "the oldest go sooner while the log holds over " + bytes(ret.maxBytes()) + (ret.overMaxBytes() ? " (it does now)" : "")));
    for (WalReport.PinRow p : ret.pins()) {
      s.append(String.format(Locale.ROOT, "  %s %s at position %s keeps %s%n", p.kind(), p.name(), text(p.position()),
          p.fromFile() == null ? "no file yet" : p.fromFile() + " and later files"));
    }
    if (ret.oldestFile() != null) {
      s.append("  the oldest file ").append(ret.oldestFile()).append(ret.oldestFileHeldBy().isEmpty()
          ? " is held by no consumer or pin (only by its age, or it is the newest)"
          : " is held by " + String.join(", ", ret.oldestFileHeldBy())).append('\n');
    }
    return s.toString();
  }

  private static void table(StringBuilder s, List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]).append(" ".repeat(widths[i] - row[i].length() + 2));
      }
      s.append(line.toString().stripTrailing()).append('\n');
    }
  }

  private static String positionAndTime(Long position, Instant time) {
    return position == null ? "- (the log is empty)" : "position " + position + ", received " + text(time);
  }

  private static String text(Object value) {
    return value == null ? "-" : value.toString();
  }

  static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  static String bytes(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int unit = 0;
    while (v >= 1024 && unit < units.length - 1) {
      v /= 1024;
      unit++;
    }
    return unit == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
  }

  private static String duration(Duration d) {
    if (d.toSeconds() % 86_400 == 0 && !d.isZero()) {
      return d.toDays() + "d";
    }
    if (d.toSeconds() % 3600 == 0 && !d.isZero()) {
      return d.toHours() + "h";
    }
    return d.toSeconds() + "s";
  }
}
