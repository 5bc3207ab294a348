package io.pingstack.load;

import io.pingstack.model.proto.IngestResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** What one measurement window saw. Confined to the generator's event loop thread. */
final class LoadStats {
  /** Latencies above this are recorded as this (a closed loop never waits that long in a sane run). */
  private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);

  private final Histogram latencyMicros = new Histogram(MAX_LATENCY_MICROS, 3);
  private final Map<String, Long> errors = new TreeMap<>();
  private long requests;
  private long accepted;
  private long duplicates;
  private long rejected;

  /** A 200 answer or a call closed OK: its latency and the server's per-ping outcome counts. */
  void acknowledged(long latencyNanos, IngestResponse response) {
    latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, latencyNanos / 1000)));
    requests++;
    accepted += Integer.toUnsignedLong(response.getAccepted());
    duplicates += Integer.toUnsignedLong(response.getDuplicates());
    rejected += Integer.toUnsignedLong(response.getRejected());
  }

  /** A failed request or call: an HTTP status code, a gRPC status code name, or a name such as {@code connect}. */
  void error(String kind) {
    errors.merge(kind, 1L, Long::sum);
  }

  /** {@code pingsAckedInRun} counts every acknowledged ping of the run (warmup included), which took the window's {@code runNanos}. */
  LoadResult result(LoadOptions options, ClosedLoop.Window window, long pingsAckedInRun) {
    long measuredNanos = window.measuredNanos();
    return new LoadResult(options.protocol().flag(), options.url().toString(), options.target(), options.batch(),
        options.streamBatches(), options.connections(),
        measuredNanos / 1e9, requests, accepted, duplicates, rejected,
        Reports.millis(latencyMicros.getValueAtPercentile(50)), Reports.millis(latencyMicros.getValueAtPercentile(90)),
        Reports.millis(latencyMicros.getValueAtPercentile(99)), Reports.millis(latencyMicros.getMaxValue()),
        errors, window.unanswered(), measuredNanos > 0 ? (double) window.cpuNanos() / measuredNanos : 0,
        pingsAckedInRun, window.runNanos() / 1e9,
        options.mix().shapes().size(), options.timeSpread().toSeconds(),
        options.protocol() == LoadOptions.Protocol.HTTP ? options.format().flag() : null, options.gzip());
  }
}
