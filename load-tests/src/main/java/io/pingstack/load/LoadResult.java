package io.pingstack.load;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one measured window (warmup excluded). {@code requests} counts 200 answers,
 * {@code pingsAcked} the sum of their {@code accepted}; latencies are of 200 answers only, from the
 * write of the request to the last byte of the response. {@code errors} counts failed requests by
 * HTTP status or by kind ({@code connect}, {@code closed}, {@code bad_response}); {@code unanswered}
 * is the number of requests still in flight when the window closed; {@code clientCpuCores} is the
 * CPU time this process (the generator) used during the window, divided by the window's length.
 * {@code pingsAckedInRun} counts every acknowledged ping of the run, warmup included (with
 * {@code --total}, that total), over the {@code runSeconds} from the first connect to the end;
 * {@code events} is the number of distinct events sent and
 * {@code timeSpreadSeconds} how far back their timestamps reach (0: now).
 */
record LoadResult(
    String url,
    int batch,
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
    long timeSpreadSeconds) {

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
    return String.format(Locale.ROOT,
        "target        %s/v1/pings, batch %d, %d connections, measured %.1f s%n"
            + "pings/s       %.0f  (acknowledged: %d; duplicates %d, rejected %d)%n"
            + "requests/s    %.0f  (200 answers: %d; unanswered at the end %d)%n"
            + "latency ms    p50 %.3f  p90 %.3f  p99 %.3f  max %.3f%n"
            + "errors        %s%n"
            + "client cpu    %.2f cores%n"
            + "run           %d pings acknowledged in %.1f s, warmup included (%.0f pings/s); %d events, timestamps %s%n",
        Reports.withoutTrailingSlash(url), batch, connections, measuredSeconds,
        pingsPerSecond(), pingsAcked, duplicates, rejected,
        requestsPerSecond(), requests, unanswered,
        p50Millis, p90Millis, p99Millis, maxMillis,
        Reports.errorText(errors), clientCpuCores,
        pingsAckedInRun, runSeconds, pingsPerSecondInRun(), events, timeSpreadSeconds == 0 ? "now" : "spread over the last " + timeSpreadSeconds + " s");
  }

  /** Writes the same figures as {@link #summary()} as one JSON object. */
  void writeJson(Path file) {
    Reports.writeJson(file, json -> {
      json.writeStringField("url", url);
      json.writeNumberField("batch", batch);
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
