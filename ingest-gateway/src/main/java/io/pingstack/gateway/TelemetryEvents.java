package io.pingstack.gateway;

import io.pingstack.gateway.telemetry.Event;
import io.pingstack.gateway.telemetry.EventParameters;
import io.pingstack.gateway.telemetry.EventSource;
import io.pingstack.model.PingRules;
import io.pingstack.model.proto.Ping;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Maps a Sourcegraph Telemetry Gateway {@link Event} to a Pingstack {@link Ping}. Stateless.
 *
 * <ul>
 *   <li>{@code event} = {@code <feature>.<action>}, each through {@link SourcegraphNames#snakeCase}
 *       ({@code cody.chatResponse} + {@code submit} is {@code cody.chat_response.submit});
 *   <li>{@code ping_id} = the event id, {@code timestamp} = the event timestamp, {@code instance_id}
 *       from the stream's identifier ({@link #licensedInstanceId}), {@code version} =
 *       {@code source.server.version}, {@code deploy_type} empty;
 *   <li>{@code metrics} = {@code parameters.legacy_metadata} (int64, as double: exact up to 2^53)
 *       overlaid by {@code parameters.metadata} (double), so a key in both takes the {@code metadata}
 *       value. Keys are snake-cased; keys that are still not metric names and non-finite values are
 *       left out; past 64 keys the first 64 in key order are kept. What is left out is listed in the
 *       payload, whose {@code event} still holds every value;
 *   <li>{@code dimensions}: {@code client} and {@code client_version} from {@code source.client},
 *       {@code billing_product} and {@code billing_category} from
 *       {@code parameters.billing_metadata}, each when present and at most 256 characters;
 *   <li>{@code payload}: see {@link TelemetryPayload}.
 * </ul>
 *
 * <p>An event that breaks Sourcegraph's own rules ({@link #valid}) is not mapped at all; one that
 * maps to a ping Pingstack's {@link PingRules} refuse (too old, a name that snake-cases past 128
 * characters, ...) is refused by the intake's validation like any other ping.
 */
final class TelemetryEvents {
  /** Feature and action names as Sourcegraph's gateway accepts them. */
  private static final Pattern NAME = Pattern.compile("[a-z][a-zA-Z.-]+");
  private static final int MAX_NAME = 64;

  private TelemetryEvents() {}

  /** Sourcegraph's per-event rules: an id, a timestamp, and a feature and an action of at most 64 characters each. */
  static boolean valid(Event event) {
    return !event.getId().isEmpty() && event.hasTimestamp() && name(event.getFeature()) && name(event.getAction());
  }

  private static boolean name(String s) {
    return s.length() <= MAX_NAME && NAME.matcher(s).matches();
  }

  /** The Pingstack event name of a {@link #valid} event. */
  static String eventName(Event event) {
    return SourcegraphNames.snakeCase(event.getFeature()) + "." + SourcegraphNames.snakeCase(event.getAction());
  }

  /**
   * A stable instance id for a licensed instance that sends none: {@code license-} and the first 32
   * hex digits of the SHA-256 of its license key. The key itself is never stored.
   */
  static String licensedInstanceId(String licenseKey) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(licenseKey.getBytes(StandardCharsets.UTF_8));
      return "license-" + HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** The ping of a {@link #valid} event from {@code instanceId}; {@code metadataJson} is the stream's metadata for the payload. */
  static Ping ping(Event event, String instanceId, String metadataJson) {
    List<String> droppedMetrics = new ArrayList<>();
    Ping.Builder ping = Ping.newBuilder()
        .setPingId(event.getId())
        .setInstanceId(instanceId)
        .setTimestamp(event.getTimestamp())
        .setEvent(eventName(event))
        .setVersion(event.getSource().getServer().getVersion())
        .putAllMetrics(metrics(event.getParameters(), droppedMetrics));
    dimensions(event, ping);
    return ping.setPayload(TelemetryPayload.of(event, metadataJson, droppedMetrics)).build();
  }

  /** The metrics of {@code parameters}; the Sourcegraph keys of the values left out are added to {@code dropped}, sorted. */
  static Map<String, Double> metrics(EventParameters parameters, List<String> dropped) {
    TreeMap<String, Double> metrics = new TreeMap<>();
    Map<String, String> keyOf = new HashMap<>();
    TreeSet<String> droppedKeys = new TreeSet<>();
    // Legacy first, so that metadata overwrites it; each in key order, so that two keys with one
    // snake-cased name always resolve the same way.
    Map<String, Double> merged = new LinkedHashMap<>();
    new TreeMap<>(parameters.getLegacyMetadataMap()).forEach((key, value) -> merged.put(key, value.doubleValue()));
    new TreeMap<>(parameters.getMetadataMap()).forEach((key, value) -> {
      merged.remove(key);
      merged.put(key, value);
    });
    merged.forEach((key, value) -> {
      String name = SourcegraphNames.snakeCase(key);
      if (Double.isFinite(value) && PingRules.isName(name)) {
        metrics.put(name, value);
        keyOf.put(name, key);
      } else {
        droppedKeys.add(key);
      }
    });
    while (metrics.size() > PingRules.MAX_METRICS) {
      droppedKeys.add(keyOf.get(metrics.pollLastEntry().getKey()));
    }
    dropped.addAll(droppedKeys);
    return metrics;
  }

  private static void dimensions(Event event, Ping.Builder ping) {
    if (event.getSource().hasClient()) {
      EventSource.Client client = event.getSource().getClient();
      dimension(ping, "client", client.getName());
      if (client.hasVersion()) {
        dimension(ping, "client_version", client.getVersion());
      }
    }
    if (event.getParameters().hasBillingMetadata()) {
      dimension(ping, "billing_product", event.getParameters().getBillingMetadata().getProduct());
      dimension(ping, "billing_category", event.getParameters().getBillingMetadata().getCategory());
    }
  }

  private static void dimension(Ping.Builder ping, String key, String value) {
    if (!value.isEmpty() && value.length() <= PingRules.MAX_DIMENSION_VALUE) {
      ping.putDimensions(key, value);
    }
  }
}
