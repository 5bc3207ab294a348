package io.pingstack.load;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.pingstack.model.proto.Ping;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The query side of the stand-in server: counts accepted pings per event and UTC minute and answers
 * {@code GET /v1/rollups} (the {@code count} of each bucket; other aggregates are null),
 * {@code GET /v1/events} and {@code GET /metrics} (a heap line) in the shapes of API.md. A ping
 * becomes visible {@code visibleAfter} after it was accepted, standing in for consumer lag. With a
 * log file, accepted pings are appended to it and read back at start, so counts survive a
 * {@code kill -9} of the stand-in's process. Thread-safe.
 */
final class StandInRollups {
  private static final long MINUTE = 60_000;

  /** An answer: status and JSON or text body. */
  record Reply(int status, String contentType, String body) {}

  private record Pending(long visibleAtNanos, String event, long minute) {}

  private final long visibleAfterNanos;
  private final Map<String, TreeMap<Long, Long>> counts = new TreeMap<>();
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final DataOutputStream log;

  StandInRollups(long visibleAfterNanos, Path logFile) {
    this.visibleAfterNanos = visibleAfterNanos;
    try {
      if (logFile != null && Files.exists(logFile)) {
        replay(logFile);
      }
      this.log = logFile == null ? null : new DataOutputStream(new BufferedOutputStream(
          Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the stand-in log " + logFile + ": " + e.getMessage(), e);
    }
  }

  synchronized void accepted(List<Ping> pings) {
    long visibleAt = System.nanoTime() + visibleAfterNanos;
    for (Ping ping : pings) {
      long millis = ping.getTimestamp().getSeconds() * 1000 + ping.getTimestamp().getNanos() / 1_000_000;
      pending.add(new Pending(visibleAt, ping.getEvent(), Math.floorDiv(millis, MINUTE) * MINUTE));
      if (log != null) {
        try {
          log.writeUTF(ping.getEvent());
          log.writeLong(millis);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    if (log != null) {
      try {
        log.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The answer to a GET of {@code uri}, or null when the stand-in does not serve its path. */
  synchronized Reply answer(String uri) {
    QueryStringDecoder query = new QueryStringDecoder(uri);
    applyVisible();
    return switch (query.path()) {
      case "/v1/rollups" -> rollups(query.parameters());
      case "/v1/events" -> events();
      case "/metrics" -> new Reply(200, "text/plain; version=0.0.4",
          "jvm_memory_used_bytes{area=\"heap\",id=\"stand-in\"} "
              + (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) + "\n");
      default -> null;
    };
  }

  private Reply rollups(Map<String, List<String>> params) {
    String event = first(params, "event");
    String step = first(params, "step");
    String agg = first(params, "agg");
    long stepMillis = "1m".equals(step) ? MINUTE : "1h".equals(step) ? 60 * MINUTE : "1d".equals(step) ? 1440 * MINUTE : 0;
    if (event == null || stepMillis == 0 || first(params, "from") == null || first(params, "to") == null) {
      return new Reply(400, "application/json",
          "{\"error\": {\"code\": \"invalid_parameter\", \"message\": \"event, from, to and step (1m, 1h or 1d) are required\"}}");
    }
    long from = Math.floorDiv(time(first(params, "from")), stepMillis) * stepMillis;
    long to = Math.floorDiv(time(first(params, "to")), stepMillis) * stepMillis;
    TreeMap<Long, Long> buckets = new TreeMap<>();
    counts.getOrDefault(event, new TreeMap<>()).subMap(from, to).forEach(
        (minute, n) -> buckets.merge(Math.floorDiv(minute, stepMillis) * stepMillis, n, Long::sum));
    String[] aggs = (agg == null ? "count" : agg).split(",");
    StringBuilder points = new StringBuilder();
    buckets.forEach((t, n) -> {
      points.append(points.length() == 0 ? "" : ", ").append("{\"t\": \"").append(Instant.ofEpochMilli(t)).append('"');
      for (String a : aggs) {
        points.append(", \"").append(a).append("\": ").append("count".equals(a) ? Long.toString(n) : "null");
      }
      points.append('}');
    });
    String series = buckets.isEmpty() ? "" : "{\"group\": {}, \"points\": [" + points + "]}";
    return new Reply(200, "application/json", "{\"event\": \"" + event + "\", \"step\": \"" + step + "\", \"from\": \""
        + Instant.ofEpochMilli(from) + "\", \"to\": \"" + Instant.ofEpochMilli(to) + "\", \"series\": [" + series + "]}");
  }

  private Reply events() {
    StringBuilder body = new StringBuilder("{\"events\": [");
    counts.forEach((event, minutes) -> body.append(body.charAt(body.length() - 1) == '[' ? "" : ", ")
        .append("{\"event\": \"").append(event).append("\", \"count\": ")
        .append(minutes.values().stream().mapToLong(Long::longValue).sum()).append('}'));
    return new Reply(200, "application/json", body.append("]}").toString());
  }

  private void applyVisible() {
    long now = System.nanoTime();
    while (!pending.isEmpty() && pending.peek().visibleAtNanos() - now <= 0) {
      Pending p = pending.poll();
      counts.computeIfAbsent(p.event(), e -> new TreeMap<>()).merge(p.minute(), 1L, Long::sum);
    }
  }

  /** Counts the logged pings; a record cut short by a kill ends the log and is cut off. */
  private void replay(Path logFile) throws IOException {
    long complete = 0;
    try (InputStream file = Files.newInputStream(logFile);
        DataInputStream in = new DataInputStream(new BufferedInputStream(file))) {
      while (true) {
        String event = in.readUTF();
        long millis = in.readLong();
        counts.computeIfAbsent(event, e -> new TreeMap<>()).merge(Math.floorDiv(millis, MINUTE) * MINUTE, 1L, Long::sum);
        complete += 2 + event.getBytes(StandardCharsets.UTF_8).length + 8;
      }
    } catch (EOFException endOfLog) {
      try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.WRITE)) {
        channel.truncate(complete);
      }
    }
  }

  private static long time(String text) {
    return text.matches("-?[0-9]+") ? Long.parseLong(text) : Instant.parse(text).toEpochMilli();
  }

  private static String first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
