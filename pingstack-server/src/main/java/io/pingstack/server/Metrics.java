package io.pingstack.server;

import io.pingstack.gateway.GatewayMetrics;
import io.pingstack.gateway.HttpGateway;
import io.pingstack.model.Wal;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.wal.WalMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BooleanSupplier;

/** The Prometheus adapter: module metric interfaces in, {@code /metrics} text out. */
final class Metrics {
  private static final double[] LATENCY_BUCKETS = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter requests = Counter.builder()
      .name("pingstack_http_requests_total").help("HTTP requests answered, by route and status")
      .labelNames("route", "status").register(registry);
  private final Histogram requestLatency = Histogram.builder()
      .name("pingstack_http_request_duration_seconds").help("Time from a request's first byte to its answer")
      .labelNames("route").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter pings = Counter.builder()
      .name("pingstack_ingest_pings_total").help("Pings by outcome (accepted, duplicate, rejected) and reject reason")
      .labelNames("outcome", "reason").register(registry);
  private final Histogram walAck = Histogram.builder()
      .name("pingstack_wal_append_duration_seconds").help("Time from a WAL append to its durability (the ack wait)")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Histogram walSync = Histogram.builder()
      .name("pingstack_wal_sync_duration_seconds").help("Time of one group-commit sync")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter walRecords = Counter.builder()
      .name("pingstack_wal_records_total").help("WAL records written").register(registry);
  private final Counter walBytes = Counter.builder()
      .name("pingstack_wal_written_bytes_total").help("WAL record bytes written").register(registry);
  private final Counter walSyncs = Counter.builder()
      .name("pingstack_wal_syncs_total").help("Group-commit syncs").register(registry);
  private final Counter walRefusals = Counter.builder()
      .name("pingstack_wal_refusals_total").help("Appends the WAL refused, by cause").labelNames("cause").register(registry);
  private final Counter walFilesDeleted = Counter.builder()
      .name("pingstack_wal_retention_deleted_files_total").help("WAL files deleted by retention").register(registry);

  Metrics() {
    JvmMetrics.builder().register(registry);
  }

  final WalMetrics wal = new WalMetrics() {
    @Override
    public void appended(int bytes) {
      walRecords.inc();
      walBytes.inc(bytes);
    }

    @Override
    public void synced(int records, long nanos) {
      walSyncs.inc();
      walSync.observe(nanos / 1e9);
    }

    @Override
    public void refused(WalUnavailableException.Cause cause) {
      walRefusals.labelValues(cause.code()).inc();
    }

    @Override
    public void fileDeleted(long bytes) {
      walFilesDeleted.inc();
    }
  };

  final GatewayMetrics gateway = new GatewayMetrics() {
    @Override
    public void request(String route, int status, long nanos) {
      requests.labelValues(route, Integer.toString(status)).inc();
      requestLatency.labelValues(route).observe(nanos / 1e9);
    }

    @Override
    public void pings(String outcome, String reason, int count) {
      if (count > 0) {
        pings.labelValues(outcome, reason).inc(count);
      }
    }

    @Override
    public void walAck(long nanos) {
      walAck.observe(nanos / 1e9);
    }
  };

  /** Gauges read from the live components at scrape time. */
  void watch(Wal wal, HttpGateway http, BooleanSupplier ready) {
    GaugeWithCallback.builder().name("pingstack_wal_first_position").help("Position of the oldest WAL record (-1: empty)")
        .callback(cb -> cb.call(wal.firstPosition())).register(registry);
    GaugeWithCallback.builder().name("pingstack_wal_last_position").help("Position of the newest WAL record (-1: empty)")
        .callback(cb -> cb.call(wal.lastPosition())).register(registry);
    GaugeWithCallback.builder().name("pingstack_wal_size_bytes").help("Size of the WAL files (apparent, files are sparse)")
        .callback(cb -> cb.call(wal.sizeBytes())).register(registry);
    GaugeWithCallback.builder().name("pingstack_wal_disk_free_bytes").help("Free bytes on the WAL's file system")
        .callback(cb -> cb.call(wal.diskFreeBytes())).register(registry);
    GaugeWithCallback.builder().name("pingstack_dedup_entries").help("(instance_id, ping_id) pairs in the dedup window")
        .callback(cb -> cb.call(http.dedupEntries())).register(registry);
    CounterWithCallback.builder().name("pingstack_dedup_evicted_early_total")
        .help("Dedup pairs forgotten before the window ended because dedup.max_entries was reached")
        .callback(cb -> cb.call(http.dedupEvictedEarly())).register(registry);
    GaugeWithCallback.builder().name("pingstack_ingest_inflight_bytes").help("Request bytes held in memory")
        .callback(cb -> cb.call(http.inflightBytes())).register(registry);
    CounterWithCallback.builder().name("pingstack_http_request_deadline_exceeded_total")
        .help("HTTP/1.1 connections closed because a request did not arrive within http.request_deadline")
        .callback(cb -> cb.call(http.deadlinesHit())).register(registry);
    GaugeWithCallback.builder().name("pingstack_ready").help("1 while the service accepts pings")
        .callback(cb -> cb.call(ready.getAsBoolean() ? 1 : 0)).register(registry);
  }

  String contentType() {
    return writer.getContentType();
  }

  byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
