package io.pingstack.server;

import io.pingstack.engine.ConsumerMetrics;
import io.pingstack.engine.WalConsumer;
import io.pingstack.engine.clickhouse.ClickHouseColdStore;
import io.pingstack.engine.clickhouse.ClickHouseMetrics;
import io.pingstack.gateway.GatewayMetrics;
import io.pingstack.gateway.HttpGateway;
import io.pingstack.model.Wal;
import io.pingstack.model.WalUnavailableException;
import io.pingstack.query.QueryLatency;
import io.pingstack.rollups.QueryCacheStats;
import io.pingstack.rollups.RollupMetrics;
import io.pingstack.rollups.RollupSink;
import io.pingstack.wal.WalMetrics;
import io.pingstack.wal.WalMetrics.RetentionBlock;
import io.pingstack.wal.WalMetrics.RetentionCause;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/** The Prometheus adapter: module metric interfaces in, {@code /metrics} text out. */
final class Metrics {
  private static final double[] LATENCY_BUCKETS = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };
  /** The status label of each HTTP status code, made once: a label per request would be a string per request. */
  private static final String[] STATUS_LABELS = IntStream.range(0, 600).mapToObj(Integer::toString).toArray(String[]::new);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter requests = Counter.builder()
      .name("pingstack_http_requests_total").help("HTTP requests answered, by route and status")
      .labelNames("route", "status").register(registry);
  private final Histogram requestLatency = Histogram.builder()
      .name("pingstack_http_request_duration_seconds").help("Time from a request's first byte to its answer")
      .labelNames("route").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter grpcCalls = Counter.builder()
      .name("pingstack_grpc_requests_total").help("gRPC calls closed, by full method name and status code")
      .labelNames("method", "code").register(registry);
  private final Histogram grpcLatency = Histogram.builder()
      .name("pingstack_grpc_request_duration_seconds").help("Time from a gRPC call's start to its close")
      .labelNames("method").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
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
      .name("pingstack_wal_written_bytes_total").help("WAL record bytes written, as stored (compressed, with wal.compression=zstd)")
      .register(registry);
  private final Counter walSyncs = Counter.builder()
      .name("pingstack_wal_syncs_total").help("Group-commit syncs").register(registry);
  private final Counter walRefusals = Counter.builder()
      .name("pingstack_wal_refusals_total").help("Appends the WAL refused, by cause").labelNames("cause").register(registry);
  private final Counter walFilesDeleted = Counter.builder()
      .name("pingstack_wal_retention_deleted_files_total").help("WAL files deleted by retention, by reason (age, size)")
      .labelNames("reason").register(registry);
  private final Counter walBytesDeleted = Counter.builder()
      .name("pingstack_wal_retention_deleted_bytes_total").help("Bytes the WAL files deleted by retention held, by reason (age, size)")
      .labelNames("reason").register(registry);
  private final Counter walRetentionBlocked = Counter.builder()
      .name("pingstack_wal_retention_blocked_total")
      .help("Retention passes a consumer or replay pin stopped from deleting files age or size would delete, by pin and reason")
      .labelNames("pin", "reason").register(registry);
  private final Gauge walRetentionHeld = Gauge.builder()
      .name("pingstack_wal_retention_blocked_bytes")
      .help("Bytes of WAL files retention would delete but a consumer or replay pin still needs, as of the last pass, by pin")
      .labelNames("pin").register(registry);
  private final Set<String> walRetentionPinsSeen = new HashSet<>();
  private final Counter walCompressions = Counter.builder()
      .name("pingstack_wal_compressions_total")
      .help("WAL records of 512 bytes or more compressed (wal.compression=zstd), by outcome: smaller (stored compressed) "
          + "or not_smaller (stored as received, the compression's CPU spent for nothing)")
      .labelNames("outcome").register(registry);
  private final CounterDataPoint walCompressedSmaller = walCompressions.labelValues("smaller");
  private final CounterDataPoint walCompressedNotSmaller = walCompressions.labelValues("not_smaller");
  private final Counter walPageCacheDropped = Counter.builder()
      .name("pingstack_wal_page_cache_dropped_bytes_total")
      .help("Bytes of WAL files every reader had read, past wal.page_cache_keep_bytes, advised out of the page cache")
      .register(registry);

  private final Counter consumerRecords = Counter.builder()
      .name("pingstack_consumer_records_total").help("WAL records a consumer handed to its sink, by consumer")
      .labelNames("consumer").register(registry);
  private final Counter consumerPings = Counter.builder()
      .name("pingstack_consumer_pings_total").help("Pings a consumer handed to its sink, by consumer")
      .labelNames("consumer").register(registry);
  private final Histogram consumerBatch = Histogram.builder()
      .name("pingstack_consumer_batch_duration_seconds").help("Time a sink took to take one batch, by consumer")
      .labelNames("consumer").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter consumerTaken = Counter.builder()
      .name("pingstack_consumer_taken_records_total")
      .help("WAL records a consumer handed to its sink as another consumer had decoded them, not decoding them again, by consumer")
      .labelNames("consumer").register(registry);
  private final Counter consumerFailures = Counter.builder()
      .name("pingstack_consumer_failures_total").help("Sink failures; the consumer backs off and retries from the sink's position")
      .labelNames("consumer").register(registry);
  private final Counter consumerStops = Counter.builder()
      .name("pingstack_consumer_stopped_total").help("Consumers stopped for good (a WAL record does not decode): page someone")
      .labelNames("consumer").register(registry);
  private final Counter rollupSeriesCapped = Counter.builder()
      .name("pingstack_rollups_series_capped_pings_total")
      .help("Pings left out of the rollup cells because their series would cross rollups.max_series").register(registry);
  private final Counter rollupInstancesCapped = Counter.builder()
      .name("pingstack_rollups_instances_capped_pings_total")
      .help("Pings whose instance is not tracked because rollups.max_instances is reached").register(registry);
  private final Counter rollupMetricNamesCapped = Counter.builder()
      .name("pingstack_rollups_metric_names_capped_total")
      .help("Metric values left out because their event already has the most metric names").register(registry);
  private final Histogram rollupSnapshot = Histogram.builder()
      .name("pingstack_rollups_snapshot_duration_seconds").help("Time from freezing the rollups' state to its snapshot being durable")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Histogram rollupSnapshotPause = Histogram.builder()
      .name("pingstack_rollups_snapshot_pause_seconds")
      .help("Time the rollups' applying thread stopped to freeze the state for one snapshot (written by another thread)")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Gauge rollupSnapshotBytes = Gauge.builder()
      .name("pingstack_rollups_snapshot_bytes").help("Size of the last rollup snapshot").register(registry);

  private final Counter clickhouseRows = Counter.builder()
      .name("pingstack_clickhouse_inserted_rows_total").help("Rows inserted into ClickHouse by the cold store").register(registry);
  private final Counter clickhouseBytes = Counter.builder()
      .name("pingstack_clickhouse_inserted_bytes_total").help("RowBinary bytes inserted into ClickHouse").register(registry);
  private final Histogram clickhouseFlush = Histogram.builder()
      .name("pingstack_clickhouse_flush_duration_seconds").help("Time to insert one buffered group of rows into ClickHouse")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter clickhouseFailures = Counter.builder()
      .name("pingstack_clickhouse_insert_failures_total")
      .help("INSERTs into ClickHouse that failed, by reason (code_<n>: the server's error code; no_answer)")
      .labelNames("reason").register(registry);
  private final Counter clickhouseQuarantined = Counter.builder()
      .name("pingstack_clickhouse_quarantined_rows_total")
      .help("Rows ClickHouse refused, moved to the pings_quarantine table: look at them").register(registry);

  final ClickHouseMetrics clickhouse = new ClickHouseMetrics() {
    @Override
    public void flushed(long rows, long bytes, long nanos) {
      clickhouseRows.inc(rows);
      clickhouseBytes.inc(bytes);
      clickhouseFlush.observe(nanos / 1e9);
    }

    @Override
    public void insertFailed(String reason) {
      clickhouseFailures.labelValues(reason).inc();
    }

    @Override
    public void quarantined(long rows) {
      clickhouseQuarantined.inc(rows);
    }
  };

  Metrics() {
    JvmMetrics.builder().register(registry);
  }

  /** What one named WAL consumer reports. */
  ConsumerMetrics consumer(String name) {
    return new ConsumerMetrics() {
      @Override
      public void applied(int records, int rows, long nanos) {
        consumerRecords.labelValues(name).inc(records);
        consumerPings.labelValues(name).inc(rows);
        consumerBatch.labelValues(name).observe(nanos / 1e9);
      }

      @Override
      public void taken(int records) {
        consumerTaken.labelValues(name).inc(records);
      }

      @Override
      public void failed() {
        consumerFailures.labelValues(name).inc();
      }

      @Override
      public void stopped() {
        consumerStops.labelValues(name).inc();
      }
    };
  }

  final RollupMetrics rollups = new RollupMetrics() {
    @Override
    public void seriesCapped() {
      rollupSeriesCapped.inc();
    }

    @Override
    public void instancesCapped() {
      rollupInstancesCapped.inc();
    }

    @Override
    public void metricNamesCapped() {
      rollupMetricNamesCapped.inc();
    }

    @Override
    public void snapshotFrozen(long nanos) {
      rollupSnapshotPause.observe(nanos / 1e9);
    }

    @Override
    public void snapshotWritten(long bytes, long nanos) {
      rollupSnapshotBytes.set(bytes);
      rollupSnapshot.observe(nanos / 1e9);
    }
  };

  final WalMetrics wal = new WalMetrics() {
    @Override
    public void appended(int bytes) {
      walRecords.inc();
      walBytes.inc(bytes);
    }

    @Override
    public void compressionTried(boolean smaller) {
      (smaller ? walCompressedSmaller : walCompressedNotSmaller).inc();
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
    public void fileDeleted(RetentionCause cause, long bytes) {
      walFilesDeleted.labelValues(cause.code()).inc();
      walBytesDeleted.labelValues(cause.code()).inc(bytes);
    }

    @Override
    public void pageCacheDropped(long bytes) {
      walPageCacheDropped.inc(bytes);
    }

    @Override
    public void retentionPassed(List<RetentionBlock> blocked) {
      Set<String> now = new HashSet<>();
      for (RetentionBlock b : blocked) {
        walRetentionBlocked.labelValues(b.pin(), b.cause().code()).inc();
        walRetentionHeld.labelValues(b.pin()).set(b.bytes());
        now.add(b.pin());
      }
      for (String pin : walRetentionPinsSeen) {
        if (!now.contains(pin)) {
          walRetentionHeld.labelValues(pin).set(0);
        }
      }
      walRetentionPinsSeen.addAll(now);
    }
  };

  /**
   * The data points every request or call counts in, kept by label values: {@code labelValues()}
   * builds and hashes a list of the values on each call. The label values are bounded sets (routes,
   * status codes, methods, outcomes, reason codes), as the metrics' own series are.
   */
  private final Map<String, Map<String, CounterDataPoint>> requestsByRoute = new ConcurrentHashMap<>();
  private final Map<String, DistributionDataPoint> latencyByRoute = new ConcurrentHashMap<>();
  private final Map<String, Map<String, CounterDataPoint>> pingsByOutcome = new ConcurrentHashMap<>();
  private final Map<String, Map<String, CounterDataPoint>> grpcCallsByMethod = new ConcurrentHashMap<>();
  private final Map<String, DistributionDataPoint> grpcLatencyByMethod = new ConcurrentHashMap<>();

  private static String statusLabel(int status) {
    return status >= 0 && status < STATUS_LABELS.length ? STATUS_LABELS[status] : Integer.toString(status);
  }

  private static DistributionDataPoint pointOf(Map<String, DistributionDataPoint> cache, Histogram histogram, String value) {
    DistributionDataPoint point = cache.get(value);
    return point != null ? point : cache.computeIfAbsent(value, histogram::labelValues);
  }

  private static CounterDataPoint pointOf(Map<String, Map<String, CounterDataPoint>> cache, Counter counter, String first,
      String second) {
    Map<String, CounterDataPoint> bySecond = cache.get(first);
    if (bySecond == null) {
      bySecond = cache.computeIfAbsent(first, f -> new ConcurrentHashMap<>());
    }
    CounterDataPoint point = bySecond.get(second);
    return point != null ? point : bySecond.computeIfAbsent(second, s -> counter.labelValues(first, s));
  }

  final GatewayMetrics gateway = new GatewayMetrics() {
    @Override
    public void request(String route, int status, long nanos) {
      pointOf(requestsByRoute, requests, route, statusLabel(status)).inc();
      pointOf(latencyByRoute, requestLatency, route).observe(nanos / 1e9);
    }

    @Override
    public void pings(String outcome, String reason, int count) {
      if (count > 0) {
        pointOf(pingsByOutcome, pings, outcome, reason).inc(count);
      }
    }

    @Override
    public void grpcCall(String method, String code, long nanos) {
      pointOf(grpcCallsByMethod, grpcCalls, method, code).inc();
      pointOf(grpcLatencyByMethod, grpcLatency, method).observe(nanos / 1e9);
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
    GaugeWithCallback.builder().name("pingstack_wal_size_bytes").help("Bytes the WAL files hold (what wal.retention_max_bytes limits; the files are sparse)")
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

  /** Freshness: how far each consumer is behind the WAL head, and where it is. */
  void watchConsumers(List<WalConsumer> consumers) {
    GaugeWithCallback.builder().name("pingstack_consumer_lag_records").help("WAL records appended but not yet applied, by consumer")
        .labelNames("consumer").callback(cb -> consumers.forEach(c -> cb.call(c.lagRecords(), c.name()))).register(registry);
    GaugeWithCallback.builder().name("pingstack_consumer_lag_seconds")
        .help("Age of the oldest WAL record a consumer has not applied yet (0 when caught up), by consumer")
        .labelNames("consumer").callback(cb -> consumers.forEach(c -> cb.call(c.lagSeconds(), c.name()))).register(registry);
    GaugeWithCallback.builder().name("pingstack_consumer_durable_lag_records")
        .help("WAL records after the position a consumer's output has stored (rows a store accepted but has not written yet count), by consumer")
        .labelNames("consumer").callback(cb -> consumers.forEach(c -> cb.call(c.durableLagRecords(), c.name()))).register(registry);
    GaugeWithCallback.builder().name("pingstack_consumer_durable_lag_seconds")
        .help("Age of the oldest WAL record a consumer's output has not stored yet (0 when all is stored), by consumer")
        .labelNames("consumer").callback(cb -> consumers.forEach(c -> cb.call(c.durableLagSeconds(), c.name()))).register(registry);
    GaugeWithCallback.builder().name("pingstack_consumer_position").help("Last WAL position a consumer applied (-1: none), by consumer")
        .labelNames("consumer").callback(cb -> consumers.forEach(c -> cb.call(c.appliedPosition(), c.name()))).register(registry);
    GaugeWithCallback.builder().name("pingstack_consumer_up").help("1 while a consumer runs, 0 once it stopped for good")
        .labelNames("consumer").callback(cb -> consumers.forEach(c -> cb.call(c.failure() == null ? 1 : 0, c.name()))).register(registry);
  }

  /** Returns {@code store}, its buffer and durable position watched. */
  ClickHouseColdStore watchClickHouse(ClickHouseColdStore store) {
    GaugeWithCallback.builder().name("pingstack_clickhouse_buffered_bytes").help("Rows encoded and waiting for their INSERT")
        .callback(cb -> cb.call(store.bufferedBytes())).register(registry);
    GaugeWithCallback.builder().name("pingstack_clickhouse_durable_position")
        .help("WAL position up to which every row is in ClickHouse (-1: none); WAL retention keeps what follows")
        .callback(cb -> cb.call(store.durablePosition())).register(registry);
    return store;
  }

  void watchRollups(RollupSink rollups) {
    GaugeWithCallback.builder().name("pingstack_rollups_series").help("Rollup series kept")
        .callback(cb -> cb.call(rollups.seriesCount())).register(registry);
    GaugeWithCallback.builder().name("pingstack_rollups_cells").help("Rollup cells kept, all resolutions")
        .callback(cb -> cb.call(rollups.cellCount())).register(registry);
    GaugeWithCallback.builder().name("pingstack_rollups_instances").help("Instances in the instance table")
        .callback(cb -> cb.call(rollups.instanceCount())).register(registry);
    CounterWithCallback.builder().name("pingstack_rollups_query_cache_lookups_total")
        .help("Lookups of a merged bucket by a query: hit (still valid) or miss (the bucket's cells merged again)")
        .labelNames("result")
        .callback(cb -> {
          QueryCacheStats stats = rollups.queryCacheStats();
          cb.call(stats.hits(), "hit");
          cb.call(stats.misses(), "miss");
        }).register(registry);
    GaugeWithCallback.builder().name("pingstack_rollups_query_cache_bytes")
        .help("Estimated heap held by merged buckets kept for queries (at most rollups.query_cache_bytes)")
        .callback(cb -> cb.call(rollups.queryCacheStats().bytes())).register(registry);
    CounterWithCallback.builder().name("pingstack_rollups_query_cache_evicted_bytes_total")
        .help("Estimated bytes of merged buckets dropped to stay within rollups.query_cache_bytes")
        .callback(cb -> cb.call(rollups.queryCacheStats().evictedBytes())).register(registry);
    GaugeWithCallback.builder().name("pingstack_rollups_durable_position").help("WAL position the last rollup snapshot includes (-1: none)")
        .callback(cb -> cb.call(rollups.durablePosition())).register(registry);
  }

  /**
   * Query latency from the query service's HdrHistograms: count and sum since start, quantiles over
   * the last minute.
   */
  void watchQueries(QueryLatency latency) {
    SummaryWithCallback.builder().name("pingstack_query_duration_seconds")
        .help("Time to answer a query endpoint, by endpoint; quantiles over about the last minute")
        .labelNames("endpoint")
        .callback(cb -> {
          for (Map.Entry<String, QueryLatency.Snapshot> e : latency.snapshot().entrySet()) {
            QueryLatency.Snapshot s = e.getValue();
            Quantiles quantiles = s.windowCount() == 0 ? Quantiles.EMPTY : Quantiles.of(
                new Quantile(0.5, s.p50Seconds()), new Quantile(0.9, s.p90Seconds()), new Quantile(0.99, s.p99Seconds()));
            cb.call(s.count(), s.sumSeconds(), quantiles, e.getKey());
          }
        })
        .register(registry);
  }

  /** Replays: how many ended and how, what they read, whether one runs. */
  void watchReplays(ReplayJobs replays) {
    CounterWithCallback.builder().name("pingstack_replays_total").help("Replays finished, by state (done, failed: cancelled included)")
        .labelNames("state").callback(cb -> {
          for (ReplayJob.State state : List.of(ReplayJob.State.DONE, ReplayJob.State.FAILED)) {
            cb.call((double) replays.finishedCount(state), state.code());
          }
        }).register(registry);
    CounterWithCallback.builder().name("pingstack_replay_records_total").help("WAL records read by replays, the running one's so far included")
        .callback(cb -> cb.call((double) replays.recordsTotal())).register(registry);
    CounterWithCallback.builder().name("pingstack_replay_pings_total").help("Pings read by replays, the running one's so far included")
        .callback(cb -> cb.call((double) replays.pingsTotal())).register(registry);
    GaugeWithCallback.builder().name("pingstack_replay_running").help("1 while a replay runs")
        .callback(cb -> cb.call(replays.isRunning() ? 1 : 0)).register(registry);
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
