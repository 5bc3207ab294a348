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
  /** An open loop's latencies include the time behind schedule, which grows without bound under overload. */
  private static final long MAX_OPEN_LOOP_LATENCY_MICROS = TimeUnit.DAYS.toMicros(1);

  private final Histogram latencyMicros;
  /** Service times (from the write of the request) of an open loop; null in a closed loop, where they are the latencies. */
  private final Histogram serviceMicros;
  private final long maxLatencyMicros;
  private final Map<String, Long> errors = new TreeMap<>();
  private long requests;
  private long accepted;
  private long duplicates;
  private long rejected;
  private long errorCount;

  LoadStats(boolean openLoop) {
    maxLatencyMicros = openLoop ? MAX_OPEN_LOOP_LATENCY_MICROS : MAX_LATENCY_MICROS;
    latencyMicros = new Histogram(maxLatencyMicros, 3);
    serviceMicros = openLoop ? new Histogram(maxLatencyMicros, 3) : null;
  }

  /**
   * A 200 answer or a call closed OK: its latency (from the intended send time in an open loop), its
   * service time (from the send; the same in a closed loop) and the server's per-ping outcome counts.
   */
  void acknowledged(long latencyNanos, long serviceNanos, IngestResponse response) {
    latencyMicros.recordValue(micros(latencyNanos));
    if (serviceMicros != null) {
      serviceMicros.recordValue(micros(serviceNanos));
    }
    requests++;
    accepted += Integer.toUnsignedLong(response.getAccepted());
    duplicates += Integer.toUnsignedLong(response.getDuplicates());
    rejected += Integer.toUnsignedLong(response.getRejected());
  }

  /** A failed request or call: an HTTP status code, a gRPC status code name, or a name such as {@code connect}. */
  void error(String kind) {
    errors.merge(kind, 1L, Long::sum);
    errorCount++;
  }

  /** Errors and p99 latency so far, for the progress line. */
  Progress.Figures progress(boolean measuring, long ackedInRun) {
    return new Progress.Figures(measuring, ackedInRun, errorCount, Reports.millis(latencyMicros.getValueAtPercentile(99)));
  }

  /**
   * {@code pingsAckedInRun} counts every acknowledged ping of the run (warmup included), which took
   * the window's {@code runNanos}; {@code ledger}'s figures are the run's, when it has one.
   */
  LoadResult result(LoadOptions options, ClosedLoop.Window window, long pingsAckedInRun, Ledger ledger) {
    long measuredNanos = window.measuredNanos();
    LoadResult.OpenLoop openLoop = serviceMicros == null ? null : new LoadResult.OpenLoop(options.rate(),
        window.behindSchedule(), window.unsent(),
        Reports.millis(serviceMicros.getValueAtPercentile(50)), Reports.millis(serviceMicros.getValueAtPercentile(90)),
        Reports.millis(serviceMicros.getValueAtPercentile(99)), Reports.millis(serviceMicros.getMaxValue()));
    return new LoadResult(options.protocol().flag(), options.url().toString(), options.target(), options.batch(),
        options.streamBatches(), options.connections(),
        measuredNanos / 1e9, requests, accepted, duplicates, rejected,
        Reports.millis(latencyMicros.getValueAtPercentile(50)), Reports.millis(latencyMicros.getValueAtPercentile(90)),
        Reports.millis(latencyMicros.getValueAtPercentile(99)), Reports.millis(latencyMicros.getMaxValue()),
        errors, window.unanswered(), measuredNanos > 0 ? (double) window.cpuNanos() / measuredNanos : 0,
        pingsAckedInRun, window.runNanos() / 1e9,
        options.mix().shapes().size(), options.timeSpread().toSeconds(),
        options.protocol() == LoadOptions.Protocol.HTTP ? options.format().flag() : null, options.gzip(), openLoop,
        ledger.enabled() ? ledger.figures() : null, latencyMicros.copy());
  }

  private long micros(long nanos) {
    return Math.min(maxLatencyMicros, Math.max(0, nanos / 1000));
  }
}
