package io.pingstack.load;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one measured window (warmup excluded). {@code protocol} is a {@code --protocol}
 * name and {@code target} what it loaded (the request URL, or the gRPC listener and method);
 * {@code batchesPerCall} is the number of batches of {@code batch} pings in each request or call
 * (1 but for {@code grpc-stream}). {@code requests} counts 200 answers (gRPC: calls closed OK with
 * a response), {@code pingsAcked} the sum of their {@code accepted}; latencies are of those only,
 * from the write of the request to the last byte of the response (gRPC: from the start of the
 * call to its response). {@code errors} counts failed requests by HTTP status or by kind
 * ({@code connect}, {@code closed}, {@code bad_response}), failed calls by gRPC status code;
 * {@code unanswered} is the number of requests or calls still in flight when the window closed; {@code clientCpuCores} is the
 * CPU time this process (the generator) used during the window, divided by the window's length.
 * {@code pingsAckedInRun} counts every acknowledged ping of the run, warmup included (with
 * {@code --total}, that total), over the {@code runSeconds} from the first connect to the end;
 * {@code events} is the number of distinct events sent and
 * {@code timeSpreadSeconds} how far back their timestamps reach (0: now). {@code format} is the
 * body format of {@code http} requests (null for the other protocols), gzipped when {@code gzip}.
 * {@code openLoop} holds what only an open loop ({@code --rate}) measures, null in a closed loop;
 * in an open loop the latencies run from each request's intended send time. {@code ledger} is what
 * {@code --ledger} wrote over the whole run, warmup included; null without it.
 * {@code latencyMicros} holds the window's latencies in µs, as the percentiles above; it is the
 * result's own copy, which no one modifies.
 */
record LoadResult(
    String protocol,
    String url,
    String target,
    int batch,
    int batchesPerCall,
    int connections,
    double measuredSeconds,
    long requests,
    long pingsAcked,
    long duplicates,
    long rejected,
    double p50Millis,
    double p90Millis,
    double p99Millis,
    double maxMillis,
    Map<String, Long> errors,
    int unanswered,
    double clientCpuCores,
    long pingsAckedInRun,
    double runSeconds,
    int events,
    long timeSpreadSeconds,
    String format,
    boolean gzip,
    OpenLoop openLoop,
    Ledger.Figures ledger,
    Histogram latencyMicros) {

  /**
   * The figures of an open loop at {@code rate} requests per second: {@code behindSchedule} requests
   * of the window found no free connection at their intended time and waited for one, {@code unsent}
   * were due by the end but never sent, and the service times run from the write of each request to
   * its answer (the latencies, from its intended time).
   */
  record OpenLoop(double rate, long behindSchedule, long unsent, double serviceP50Millis, double serviceP90Millis,
      double serviceP99Millis, double serviceMaxMillis) {}

  private static final double MICROS_PER_MILLI = 1000.0;

  LoadResult {
    errors = Reports.sortedErrors(errors);
  }

  double pingsPerSecond() {
    return measuredSeconds > 0 ? pingsAcked / measuredSeconds : 0;
  }

  /** Acknowledged pings per second over the whole run, warmup included. */
  double pingsPerSecondInRun() {
    return runSeconds > 0 ? pingsAckedInRun / runSeconds : 0;
  }

  double requestsPerSecond() {
    return measuredSeconds > 0 ? requests / measuredSeconds : 0;
  }

  /** The human-readable summary printed at the end of a run. */
  String summary() {
    boolean http = !protocol.startsWith("grpc");
    return String.format(Locale.ROOT,
        "target        %s (%s), batch %d%s, %d %s, measured %.1f s%n"
            + "pings/s       %.0f  (acknowledged: %d; duplicates %d, rejected %d)%n"
            + "%-14s%.0f  (%s: %d; unanswered at the end %d)%n"
            + "latency ms    p50 %.3f  p90 %.3f  p99 %.3f  max %.3f%s%n"
            + "errors        %s%n"
            + "client cpu    %.2f cores%n"
            + "run           %d pings acknowledged in %.1f s, warmup included (%.0f pings/s); %d events, timestamps %s%n%s",
        target, protocolAndBody(), batch, batchesPerCall == 1 ? "" : " x " + batchesPerCall + " per call", connections,
        http ? "connections" : "channels", measuredSeconds,
        pingsPerSecond(), pingsAcked, duplicates, rejected,
        http ? "requests/s" : "calls/s", requestsPerSecond(), http ? "200 answers" : "OK responses", requests, unanswered,
        p50Millis, p90Millis, p99Millis, maxMillis, openLoop == null ? "" : openLoopText(),
        Reports.errorText(errors), clientCpuCores,
        pingsAckedInRun, runSeconds, pingsPerSecondInRun(), events, timeSpreadSeconds == 0 ? "now" : "spread over the last " + timeSpreadSeconds + " s",
        ledger == null ? "" : ledgerText());
  }

  /** The latency line's tail and the lines an open loop adds below it. */
  private String openLoopText() {
    return String.format(Locale.ROOT,
        "  (from the intended send time)%n"
            + "service ms    p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (from the write of the request)%n"
            + "schedule      %s %s/s intended (%s pings/s); behind schedule %d (waited for a connection), unsent at the end %d",
        openLoop.serviceP50Millis(), openLoop.serviceP90Millis(), openLoop.serviceP99Millis(), openLoop.serviceMaxMillis(),
        number(openLoop.rate()), protocol.startsWith("grpc") ? "calls" : "requests", number(openLoop.rate() * batch),
        openLoop.behindSchedule(), openLoop.unsent());
  }

  /** The ledger's line. */
  private String ledgerText() {
    return String.format(Locale.ROOT, "ledger        %s: %d acknowledged pings written, %d left out (per-ping outcome unknown)%s%n",
        ledger.file(), ledger.written(), ledger.unresolved(), ledger.failure() == null ? "" : "; " + ledger.failure());
  }

  /** A whole number without decimals, else up to three. */
  private static String number(double value) {
    return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.3f", value);
  }

  /** The protocol, followed by the body format and encoding when they are not the default protobuf. */
  private String protocolAndBody() {
    String body = format == null || format.equals(LoadOptions.Format.PROTOBUF.flag()) ? "" : ", " + format;
    return protocol + body + (gzip ? ", gzip" : "");
  }

  /**
   * Writes the latency histogram to {@code file} as HdrHistogram prints it ({@code
   * outputPercentileDistribution}, the {@code .hgrm} format its plotters read), in milliseconds.
   */
  void writeHgrm(Path file) {
    try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
      latencyMicros.outputPercentileDistribution(out, MICROS_PER_MILLI);
      if (out.checkError()) {
        throw new IOException("the write failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the same figures as {@link #summary()} as one JSON object. */
  void writeJson(Path file) {
    Reports.writeJson(file, json -> {
      json.writeStringField("protocol", protocol);
      json.writeStringField("url", url);
      json.writeStringField("target", target);
      if (format != null) {
        json.writeStringField("format", format);
        json.writeBooleanField("gzip", gzip);
      }
      json.writeNumberField("batch", batch);
      json.writeNumberField("batches_per_call", batchesPerCall);
      json.writeNumberField("connections", connections);
      json.writeNumberField("measured_s", Math.round(measuredSeconds * 1000) / 1000.0);
      json.writeNumberField("pings_per_s", round(pingsPerSecond()));
      json.writeNumberField("requests_per_s", round(requestsPerSecond()));
      json.writeNumberField("pings_acked", pingsAcked);
      json.writeNumberField("requests", requests);
      json.writeNumberField("duplicates", duplicates);
      json.writeNumberField("rejected", rejected);
      Reports.writePercentiles(json, "latency_ms", p50Millis, p90Millis, p99Millis, maxMillis);
      if (openLoop != null) {
        json.writeObjectFieldStart("open_loop");
        json.writeNumberField("rate_per_s", openLoop.rate());
        json.writeNumberField("pings_per_s_intended", openLoop.rate() * batch);
        json.writeNumberField("behind_schedule", openLoop.behindSchedule());
        json.writeNumberField("unsent_at_end", openLoop.unsent());
        Reports.writePercentiles(json, "service_ms", openLoop.serviceP50Millis(), openLoop.serviceP90Millis(),
            openLoop.serviceP99Millis(), openLoop.serviceMaxMillis());
        json.writeEndObject();
      }
      Reports.writeErrors(json, errors);
      json.writeNumberField("unanswered", unanswered);
      json.writeNumberField("client_cpu_cores", Math.round(clientCpuCores * 100) / 100.0);
      json.writeNumberField("pings_acked_in_run", pingsAckedInRun);
      json.writeNumberField("run_s", Math.round(runSeconds * 1000) / 1000.0);
      json.writeNumberField("pings_per_s_in_run", round(pingsPerSecondInRun()));
      json.writeNumberField("events", events);
      json.writeNumberField("time_spread_s", timeSpreadSeconds);
      if (ledger != null) {
        json.writeObjectFieldStart("ledger");
        json.writeStringField("file", ledger.file().toString());
        json.writeNumberField("pings_written", ledger.written());
        json.writeNumberField("pings_unresolved", ledger.unresolved());
        if (ledger.failure() != null) {
          json.writeStringField("failure", ledger.failure());
        }
        json.writeEndObject();
      }
    });
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
