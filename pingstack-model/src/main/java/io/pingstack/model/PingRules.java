package io.pingstack.model;

import io.pingstack.model.proto.Ping;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The validation rules of API.md section 1, applied to a decoded {@link Ping}. Immutable and
 * thread-safe; one instance serves every decoder.
 */
public final class PingRules {
  public static final int MAX_PING_ID = 64;
  public static final int MAX_INSTANCE_ID = 128;
  public static final int MAX_EVENT = 128;
  public static final int MAX_VERSION = 64;
  public static final int MAX_DEPLOY_TYPE = 64;
  public static final int MAX_METRICS = 64;
  public static final int MAX_DIMENSIONS = 32;
  public static final int MAX_DIMENSION_KEY = 128;
  public static final int MAX_DIMENSION_VALUE = 256;
  public static final int MAX_PAYLOAD_BYTES = 64 * 1024;
  public static final Duration MAX_FUTURE = Duration.ofMinutes(5);
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(30);

  private final long maxAgeMillis;

  public PingRules(Duration maxAge) {
    Objects.requireNonNull(maxAge, "maxAge");
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("max age must be positive: " + maxAge);
    }
    this.maxAgeMillis = maxAge.toMillis();
  }

  /** Returns why {@code ping} is invalid when received at {@code nowMillis}, or null when it is valid. */
  public Reason check(Ping ping, long nowMillis) {
    Reason reason = checkIdentity(ping);
    if (reason == null) {
      reason = checkTime(ping, nowMillis);
    }
    if (reason == null) {
      reason = checkDescriptors(ping);
    }
    if (reason == null) {
      reason = checkMetrics(ping.getMetricsMap());
    }
    if (reason == null) {
      reason = checkDimensions(ping.getDimensionsMap());
    }
    if (reason == null && ping.getPayload().length() > 0) {
      reason = checkPayload(ping.getPayload());
    }
    return reason;
  }

  private static Reason checkIdentity(Ping ping) {
    if (ping.getPingId().isEmpty()) {
      return Reason.MISSING_PING_ID;
    }
    if (ping.getPingId().length() > MAX_PING_ID) {
      return Reason.PING_ID_TOO_LONG;
    }
    if (ping.getInstanceId().isEmpty()) {
      return Reason.MISSING_INSTANCE_ID;
    }
    if (ping.getInstanceId().length() > MAX_INSTANCE_ID) {
      return Reason.INSTANCE_ID_TOO_LONG;
    }
    return null;
  }

  private Reason checkTime(Ping ping, long nowMillis) {
    if (!ping.hasTimestamp()) {
      return Reason.MISSING_TIMESTAMP;
    }
    return checkTime(ping.getTimestamp().getSeconds(), ping.getTimestamp().getNanos(), nowMillis);
  }

  /** The time rules for a ping timestamped {@code seconds} and {@code nanos}: why it is refused, or null. */
  Reason checkTime(long seconds, int nanos, long nowMillis) {
    // Bounds of google.protobuf.Timestamp (0001-01-01 .. 9999-12-31) keep the arithmetic below exact.
    if (seconds < -62_135_596_800L || seconds > 253_402_300_799L || nanos < 0 || nanos > 999_999_999) {
      return Reason.INVALID_TIMESTAMP;
    }
    long millis = seconds * 1000 + nanos / 1_000_000;
    if (millis > nowMillis + MAX_FUTURE.toMillis()) {
      return Reason.TIMESTAMP_IN_FUTURE;
    }
    if (millis < nowMillis - maxAgeMillis) {
      return Reason.TIMESTAMP_TOO_OLD;
    }
    return null;
  }

  private static Reason checkDescriptors(Ping ping) {
    if (ping.getEvent().isEmpty()) {
      return Reason.MISSING_EVENT;
    }
    if (!isName(ping.getEvent())) {
      return Reason.INVALID_EVENT;
    }
    if (ping.getVersion().length() > MAX_VERSION) {
      return Reason.VERSION_TOO_LONG;
    }
    if (ping.getDeployType().length() > MAX_DEPLOY_TYPE) {
      return Reason.DEPLOY_TYPE_TOO_LONG;
    }
    return null;
  }

  private static Reason checkMetrics(Map<String, Double> metrics) {
    if (metrics.size() > MAX_METRICS) {
      return Reason.TOO_MANY_METRICS;
    }
    for (Map.Entry<String, Double> metric : metrics.entrySet()) {
      if (!isName(metric.getKey())) {
        return Reason.INVALID_METRIC_NAME;
      }
      if (!Double.isFinite(metric.getValue())) {
        return Reason.INVALID_METRIC_VALUE;
      }
    }
    return null;
  }

  private static Reason checkDimensions(Map<String, String> dimensions) {
    if (dimensions.size() > MAX_DIMENSIONS) {
      return Reason.TOO_MANY_DIMENSIONS;
    }
    for (Map.Entry<String, String> dimension : dimensions.entrySet()) {
      String key = dimension.getKey();
      if (key.isEmpty() || key.length() > MAX_DIMENSION_KEY) {
        return Reason.INVALID_DIMENSION_KEY;
      }
      if (dimension.getValue().length() > MAX_DIMENSION_VALUE) {
        return Reason.DIMENSION_VALUE_TOO_LONG;
      }
    }
    return null;
  }

  private static Reason checkPayload(String payload) {
    if (payload.length() > MAX_PAYLOAD_BYTES
        || (payload.length() * 3L > MAX_PAYLOAD_BYTES
            && payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES)) {
      return Reason.PAYLOAD_TOO_LARGE;
    }
    return JsonObjects.isObject(payload) ? null : Reason.INVALID_PAYLOAD;
  }

  /** {@code ^[a-z][a-z0-9_.-]{0,127}$}: event names and metric names, wherever they are checked. */
  public static boolean isName(String s) {
    int n = s.length();
    if (n == 0 || n > MAX_EVENT) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (!isNameChar(s.charAt(i), i == 0)) {
        return false;
      }
    }
    return true;
  }

  /** {@link #isName(String)} of the UTF-8 text {@code bytes[offset, offset + length)}: a name is ASCII, a byte per character. */
  static boolean isName(byte[] bytes, int offset, int length) {
    if (length == 0 || length > MAX_EVENT) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (!isNameChar((char) bytes[offset + i], i == 0)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isNameChar(char c, boolean first) {
    boolean letter = c >= 'a' && c <= 'z';
    return first ? letter : letter || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  }
}
