package io.pingstack.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.Unpooled;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Measures how long an acknowledged ping takes to show in {@code /v1/rollups}: one sample at a
 * time, a ping of the probe's event timestamped now, then back-to-back count queries of its minute
 * until the count reaches what it must be. The expected count of each minute is its count before
 * the probe's first ping in it (read once) plus the probe's acknowledged pings in it, so that minute
 * boundaries, earlier runs and slow samples never make a ping look visible early. Runs on the calling
 * thread; meant to run beside the load generator (another process), so that it measures under load.
 */
final class FreshnessProbe {
  private static final JsonFactory JSON = new JsonFactory();
  private static final String PROTOBUF = "application/x-protobuf";
  private static final long MINUTE_MILLIS = 60_000;
  private static final long MAX_DELAY_MICROS = TimeUnit.MINUTES.toMicros(10);

  private final FreshnessOptions options;
  private final BlockingHttp http;
  private final String runId = HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
  private final Map<Long, Long> expectedByMinute = new HashMap<>();
  private final Histogram delayMicros = new Histogram(MAX_DELAY_MICROS, 3);
  private final Map<String, Long> errors = new TreeMap<>();
  private long visible;
  private long timedOut;
  private long unexpected;
  private long polls;

  private FreshnessProbe(FreshnessOptions options) {
    this.options = options;
    this.http = new BlockingHttp(options.url(), options.timeout());
  }

  /**
   * Takes the samples and returns the figures. An interrupt of the calling thread ends the probe
   * early (the interrupt is consumed) and returns what was measured until then.
   */
  static FreshnessResult run(FreshnessOptions options) {
    FreshnessProbe probe = new FreshnessProbe(options);
    SplittableRandom random = new SplittableRandom();
    try (BlockingHttp unused = probe.http) {
      for (int i = 0; i < options.samples(); i++) {
        if (i > 0 && !options.pause().isZero()) {
          Thread.sleep(random.nextLong(options.pause().toMillis() + 1));
        }
        probe.sample(i);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    } catch (InterruptedException e) {
      System.err.println("freshness: stopped early, after " + (probe.visible + probe.timedOut) + " samples");
    }
    return probe.result();
  }

  private void sample(int i) {
    long nowMillis = System.currentTimeMillis();
    long minute = Math.floorDiv(nowMillis, MINUTE_MILLIS) * MINUTE_MILLIS;
    try {
      Long before = expectedByMinute.get(minute);
      long expected = (before != null ? before : count(minute)) + 1;
      if (!send(i, nowMillis)) {
        return;
      }
      long ackNanos = System.nanoTime();
      expectedByMinute.put(minute, expected);
      long deadline = ackNanos + options.timeout().toNanos();
      while (!Thread.currentThread().isInterrupted()) {
        long seen = count(minute);
        long seenNanos = System.nanoTime();
        if (seen >= expected) {
          unexpected += seen - expected;
          expectedByMinute.put(minute, seen);
          delayMicros.recordValue(Math.min(MAX_DELAY_MICROS, (seenNanos - ackNanos) / 1000));
          visible++;
          return;
        }
        if (seenNanos - deadline > 0) {
          timedOut++;
          return;
        }
      }
    } catch (IOException e) {
      error("io");
      if (errors.get("io") == 1) {
        System.err.println("freshness: first io failure: " + e);
      }
    }
  }

  /** Sends ping {@code i}; true when the server acknowledged it as accepted. */
  private boolean send(int i, long timestampMillis) throws IOException {
    Ping ping = Ping.newBuilder()
        .setPingId("fresh-" + runId + "-" + i)
        .setInstanceId(options.instanceId())
        .setEvent(options.event())
        .setTimestamp(com.google.protobuf.Timestamp.newBuilder()
            .setSeconds(Math.floorDiv(timestampMillis, 1000L))
            .setNanos((int) Math.floorMod(timestampMillis, 1000L) * 1_000_000))
        .build();
    BlockingHttp.Answer answer = http.exchange("POST", Args.under(options.url(), "/v1/pings"), PROTOBUF,
        PingBatch.newBuilder().addPings(ping).build().toByteArray(), headers(options.token(), "Accept: " + PROTOBUF));
    if (answer.status() != 200) {
      error(Integer.toString(answer.status()));
      return false;
    }
    IngestResponse counts = Answers.parse(answer.contentType(), Unpooled.wrappedBuffer(answer.body()));
    if (counts.getAccepted() != 1) {
      error("not_accepted");
      return false;
    }
    return true;
  }

  /** The count of the probe's event in the minute starting at {@code minute}. */
  private long count(long minute) throws IOException {
    polls++;
    BlockingHttp.Answer answer = http.exchange("GET", Args.under(options.url(), "/v1/rollups?event=" + options.event()
        + "&from=" + minute + "&to=" + (minute + MINUTE_MILLIS) + "&step=1m&agg=count"), null, null,
        headers(options.queryToken(), "Accept: application/json"));
    if (answer.status() != 200) {
      throw new IOException("GET /v1/rollups answered " + answer.status() + ": "
          + new String(answer.body(), 0, Math.min(answer.body().length, 300), StandardCharsets.UTF_8));
    }
    return sumOfCounts(answer.body());
  }

  private static String[] headers(String token, String accept) {
    return token == null ? new String[] {accept} : new String[] {accept, "Authorization: Bearer " + token};
  }

  /** The sum of every {@code count} in a {@code /v1/rollups} answer (no series: 0). */
  static long sumOfCounts(byte[] body) throws IOException {
    long sum = 0;
    try (JsonParser json = JSON.createParser(body)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("the /v1/rollups answer is not a JSON object");
      }
      for (JsonToken token = json.nextToken(); token != null; token = json.nextToken()) {
        if (token == JsonToken.FIELD_NAME && "count".equals(json.currentName())
            && json.nextToken() == JsonToken.VALUE_NUMBER_INT) {
          sum += json.getLongValue();
        }
      }
    }
    return sum;
  }

  private void error(String kind) {
    errors.merge(kind, 1L, Long::sum);
  }

  private FreshnessResult result() {
    return new FreshnessResult(options.url().toString(), options.event(), options.samples(), visible, timedOut,
        unexpected, polls, Reports.millis(delayMicros.getValueAtPercentile(50)),
        Reports.millis(delayMicros.getValueAtPercentile(90)), Reports.millis(delayMicros.getValueAtPercentile(99)),
        Reports.millis(delayMicros.getMaxValue()), errors);
  }
}
