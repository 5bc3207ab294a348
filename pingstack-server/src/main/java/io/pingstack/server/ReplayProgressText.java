package io.pingstack.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** How {@code bin/pingstack replay} shows a replay's progress, from its {@code GET /admin/replay/<id>} document. */
final class ReplayProgressText {
  private ReplayProgressText() {}

  /**
   * One line of progress: percent (with a bar on a terminal), records of those planned, pings, rate
   * and time left.
   */
  static String line(JsonNode job, boolean bar) {
    long records = job.path("records").asLong();
    JsonNode plannedNode = job.path("planned_records");
    long planned = plannedNode.isNumber() ? plannedNode.asLong() : -1;
    boolean done = "done".equals(job.path("state").asText());
    double fraction = done ? 1 : planned > 0 ? Math.min(1, (double) records / planned) : planned == 0 ? 1 : -1;
    StringBuilder line = new StringBuilder();
    if (bar) {
      int width = 24;
      int filled = fraction < 0 ? 0 : (int) Math.round(fraction * width);
      line.append('[').append("#".repeat(filled)).append(fraction < 0 ? "?".repeat(width) : "-".repeat(width - filled)).append("] ");
    }
    line.append(fraction < 0 ? "  ?%" : String.format(Locale.ROOT, "%3d%%", (int) Math.floor(fraction * 100)));
    line.append(String.format(Locale.ROOT, "  %d%s records  %d pings  %.0f pings/s", records,
        planned < 0 ? "" : "/" + planned, job.path("pings").asLong(), job.path("rate").asDouble()));
    JsonNode eta = job.path("eta_seconds");
    if (!done && eta.isNumber()) {
      line.append("  ETA ").append(duration(eta.asDouble()));
    }
    return line.toString();
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
    return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
  }
}
