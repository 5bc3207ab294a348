package io.pingstack.gateway;

import com.google.protobuf.Timestamp;
import io.pingstack.model.PingRules;
import io.pingstack.model.proto.Ping;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Sourcegraph update check as one Pingstack ping:
 *
 * <ul>
 *   <li>event {@code sourcegraph.ping}; {@code instance_id} = {@code site}; {@code version};
 *       {@code deploy_type} = {@code deployType}; {@code timestamp} = when it was received.
 *   <li>metrics: every top-level JSON number, and every top-level boolean as 1 or 0 (an absent key
 *       stays absent), keyed by {@link SourcegraphNames#snakeCase} of its name ({@code totalUsers} is
 *       {@code total_users}), keys never seen before included. A key that does not make a metric
 *       name, a value that is not a finite double, and keys past the 64th (the counters and flags
 *       Sourcegraph declares first, then document order) stay in the payload only; of two keys with
 *       the same metric name the first counts. Nested values ({@code act}, {@code codyUsage}, ...)
 *       are never read into metrics, whatever their shape.
 *   <li>dimensions: {@code os}; {@code auth} and {@code extsvcs} as their distinct items, sorted and
 *       joined with commas. Left out when empty or over 256 characters.
 *   <li>payload: see {@link UpdateCheckPayload} ({@code initAdmin} never in clear).
 *   <li>{@code ping_id}: hex SHA-256 of {@code site}, {@code version}, the SHA-256 of the payload and
 *       the 30-minute window the receive time falls in, so that a client's retry of the same body
 *       within the window is a duplicate.
 * </ul>
 */
final class UpdateCheckPing {
  static final String EVENT = "sourcegraph.ping";
  static final Duration WINDOW = Duration.ofMinutes(30);
  private static final Pattern METRIC_NAME = Pattern.compile("[a-z][a-z0-9_.-]{0,127}");

  private final UpdateCheckPayload payload;

  UpdateCheckPing(UpdateCheckPayload payload) {
    this.payload = payload;
  }

  /** The ping for {@code check}, which has a site and a version, received at {@code receivedAtMillis}. */
  Ping map(UpdateCheck check, long receivedAtMillis) {
    String site = check.string("site");
    String version = check.string("version");
    byte[] document = payload.write(check);
    return Ping.newBuilder()
        .setPingId(pingId(site, version, document, receivedAtMillis))
        .setInstanceId(site)
        .setTimestamp(Timestamp.newBuilder()
            .setSeconds(Math.floorDiv(receivedAtMillis, 1000))
            .setNanos(Math.floorMod(receivedAtMillis, 1000) * 1_000_000))
        .setEvent(EVENT)
        .setVersion(version)
        .setDeployType(check.string("deployType"))
        .putAllMetrics(metrics(check))
        .putAllDimensions(dimensions(check))
        .setPayload(new String(document, StandardCharsets.UTF_8))
        .build();
  }

  static Map<String, Double> metrics(UpdateCheck check) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (boolean declared : new boolean[] {true, false}) {
      for (UpdateCheck.Member m : check.members()) {
        boolean isDeclared = UpdateCheck.COUNTERS.contains(m.name()) || UpdateCheck.FLAGS.contains(m.name());
        if (isDeclared != declared || metrics.size() == PingRules.MAX_METRICS) {
          continue;
        }
        Double value = switch (m.kind()) {
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Double.parseDouble(m.text());
          case VALUE_TRUE -> 1.0;
          case VALUE_FALSE -> 0.0;
          default -> null;
        };
        String key = SourcegraphNames.snakeCase(m.name());
        if (value != null && Double.isFinite(value) && METRIC_NAME.matcher(key).matches()) {
          metrics.putIfAbsent(key, value);
        }
      }
    }
    return metrics;
  }

  static Map<String, String> dimensions(UpdateCheck check) {
    Map<String, String> dimensions = new TreeMap<>();
    dimension(dimensions, "os", check.string("os"));
    for (String list : UpdateCheck.LISTS) {
      TreeSet<String> items = new TreeSet<>(check.strings(list));
      items.remove("");
      dimension(dimensions, list, String.join(",", items));
    }
    return dimensions;
  }

  private static void dimension(Map<String, String> dimensions, String key, String value) {
    if (!value.isEmpty() && value.length() <= PingRules.MAX_DIMENSION_VALUE) {
      dimensions.put(key, value);
    }
  }

  static String pingId(String site, String version, byte[] payload, long receivedAtMillis) {
    MessageDigest sha = sha256();
    byte[] payloadHash = sha.digest(payload);
    byte[] siteBytes = site.getBytes(StandardCharsets.UTF_8);
    byte[] versionBytes = version.getBytes(StandardCharsets.UTF_8);
    ByteBuffer key = ByteBuffer.allocate(4 + siteBytes.length + 4 + versionBytes.length + payloadHash.length + 8)
        .putInt(siteBytes.length).put(siteBytes)
        .putInt(versionBytes.length).put(versionBytes)
        .put(payloadHash)
        .putLong(Math.floorDiv(receivedAtMillis, WINDOW.toMillis()));
    return HexFormat.of().formatHex(sha.digest(key.array()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
