package io.pingstack.load;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

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
    boolean gzip) {

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
            + "latency ms    p50 %.3f  p90 %.3f  p99 %.3f  max %.3f%n"
            + "errors        %s%n"
            + "client cpu    %.2f cores%n"
            + "run           %d pings acknowledged in %.1f s, warmup included (%.0f pings/s); %d events, timestamps %s%n",
        target, protocolAndBody(), batch, batchesPerCall == 1 ? "" : " x " + batchesPerCall + " per call", connections,
        http ? "connections" : "channels", measuredSeconds,
        pingsPerSecond(), pingsAcked, duplicates, rejected,
        http ? "requests/s" : "calls/s", requestsPerSecond(), http ? "200 answers" : "OK responses", requests, unanswered,
        p50Millis, p90Millis, p99Millis, maxMillis,
        Reports.errorText(errors), clientCpuCores,
        pingsAckedInRun, runSeconds, pingsPerSecondInRun(), events, timeSpreadSeconds == 0 ? "now" : "spread over the last " + timeSpreadSeconds + " s");
  }

  /** The protocol, followed by the body format and encoding when they are not the default protobuf. */
  private String protocolAndBody() {
    String body = format == null || format.equals(LoadOptions.Format.PROTOBUF.flag()) ? "" : ", " + format;
    return protocol + body + (gzip ? ", gzip" : "");
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
      Reports.writeErrors(json, errors);
      json.writeNumberField("unanswered", unanswered);
      json.writeNumberField("client_cpu_cores", Math.round(clientCpuCores * 100) / 100.0);
      json.writeNumberField("pings_acked_in_run", pingsAckedInRun);
      json.writeNumberField("run_s", Math.round(runSeconds * 1000) / 1000.0);
      json.writeNumberField("pings_per_s_in_run", round(pingsPerSecondInRun()));
      json.writeNumberField("events", events);
      json.writeNumberField("time_spread_s", timeSpreadSeconds);
    });
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
