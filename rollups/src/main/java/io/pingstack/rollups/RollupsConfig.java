package io.pingstack.rollups;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How the rollups are kept.
 *
 * @param dimensions the declared dimension keys: series are keyed by their values (besides event,
 *     version and deploy type), and only these can be grouped or filtered by; at most 32
 * @param minuteRetention how far back 1 m cells are kept
 * @param hourRetention how far back 1 h cells are kept
 * @param dayRetention how far back 1 d cells are kept; also how long an instance that stopped
 *     pinging stays in the instance table
 * @param maxSeries the most series kept across all events (and the most events); pings of a series
 *     beyond it are counted, not stored
 * @param maxInstances the most instances the instance table keeps; further instances are counted,
 *     not stored; at most {@link #MAX_INSTANCES}
 * @param snapshotDir where snapshots are written (nothing else should live there)
 * @param queryCacheBytes the most heap (estimated) the merged cells of query groups may hold
 *     between queries ({@link MergeCache}); 0 keeps none
 */
public record RollupsConfig(
    List<String> dimensions,
    Duration minuteRetention,
    Duration hourRetention,
    Duration dayRetention,
    int maxSeries,
    int maxInstances,
    Path snapshotDir,
    long queryCacheBytes) {

  /** A ping carries at most 32 dimensions (API.md section 1), so more declared keys mean nothing. */
  public static final int MAX_DIMENSIONS = 32;
  /** The instance table's slots are arrays indexed by int, at most half full: 2^28 instances take ~12 GiB anyway. */
  public static final int MAX_INSTANCES = 1 << 28;

  public RollupsConfig {
    Objects.requireNonNull(dimensions, "dimensions");
    Objects.requireNonNull(snapshotDir, "snapshotDir");
    dimensions = List.copyOf(dimensions);
    if (dimensions.size() > MAX_DIMENSIONS) {
      throw new IllegalArgumentException(
          "rollups.dimensions declares " + dimensions.size() + " keys, at most " + MAX_DIMENSIONS + " are allowed");
    }
    if (new HashSet<>(dimensions).size() != dimensions.size()) {
      throw new IllegalArgumentException("rollups.dimensions declares a key twice: " + dimensions);
    }
    for (String key : dimensions) {
      if (key.isBlank()) {
        throw new IllegalArgumentException("rollups.dimensions contains a blank key: " + dimensions);
      }
    }
    checkRetention("rollups.minute_retention", minuteRetention, Step.MINUTE);
    checkRetention("rollups.hour_retention", hourRetention, Step.HOUR);
    checkRetention("rollups.day_retention", dayRetention, Step.DAY);
    if (maxSeries < 1) {
      throw new IllegalArgumentException("rollups.max_series must be at least 1: " + maxSeries);
    }
    if (maxInstances < 1 || maxInstances > MAX_INSTANCES) {
      throw new IllegalArgumentException("rollups.max_instances must be 1 to " + MAX_INSTANCES + ": " + maxInstances);
    }
    if (queryCacheBytes < 0) {
      throw new IllegalArgumentException("rollups.query_cache_bytes must not be negative: " + queryCacheBytes);
    }
  }

  private static void checkRetention(String name, Duration retention, Step step) {
    Objects.requireNonNull(retention, name);
    if (retention.toMillis() < step.millis()) {
      throw new IllegalArgumentException(name + " must be at least one " + step.code() + " step: " + retention);
    }
  }

  /** The default of {@link #queryCacheBytes}: 64 MiB. */
  public static final long DEFAULT_QUERY_CACHE_BYTES = 64L << 20;

  /**
   * No declared dimensions, 48 h / 90 d / 730 d retention, 100,000 series, 1,000,000 instances, 64
   * MiB of merged cells for queries.
   */
  public static RollupsConfig defaults(Path snapshotDir) {
    return new RollupsConfig(
        List.of(), Duration.ofDays(2), Duration.ofDays(90), Duration.ofDays(730), 100_000, 1_000_000, snapshotDir,
        DEFAULT_QUERY_CACHE_BYTES);
  }

  /** How far back cells of {@code step} are kept. */
  public Duration retention(Step step) {
    return switch (step) {
      case MINUTE -> minuteRetention;
      case HOUR -> hourRetention;
      case DAY -> dayRetention;
    };
  }

  public RollupsConfig withDimensions(List<String> value) {
    return new RollupsConfig(value, minuteRetention, hourRetention, dayRetention, maxSeries, maxInstances, snapshotDir, queryCacheBytes);
  }

  public RollupsConfig withRetention(Step step, Duration value) {
    return new RollupsConfig(
        dimensions,
        step == Step.MINUTE ? value : minuteRetention,
        step == Step.HOUR ? value : hourRetention,
        step == Step.DAY ? value : dayRetention,
        maxSeries,
        maxInstances,
        snapshotDir,
        queryCacheBytes);
  }

  public RollupsConfig withMaxSeries(int value) {
    return new RollupsConfig(dimensions, minuteRetention, hourRetention, dayRetention, value, maxInstances, snapshotDir, queryCacheBytes);
  }

  public RollupsConfig withMaxInstances(int value) {
    return new RollupsConfig(dimensions, minuteRetention, hourRetention, dayRetention, maxSeries, value, snapshotDir, queryCacheBytes);
  }

  public RollupsConfig withQueryCacheBytes(long value) {
    return new RollupsConfig(dimensions, minuteRetention, hourRetention, dayRetention, maxSeries, maxInstances, snapshotDir, value);
  }
}
