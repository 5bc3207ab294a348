package io.pingstack.query;

import static java.util.Objects.requireNonNull;

import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.rollups.RollupReader;
import java.util.HashMap;
import java.util.Map;

/**
 * The query side of API.md section 3, as endpoints for the HTTP gateway: {@code /v1/rollups},
 * {@code /v1/events}, {@code /v1/instances}, {@code /v1/raw} and the dashboard page at {@code /}. Every endpoint
 * takes GET only and has its handling time recorded in {@link QueryLatency}; the three JSON
 * endpoints require the query token when one is configured, the page does not.
 */
public final class QueryService {
  private QueryService() {}

  /** Path to endpoint, for the gateway's routes, without a ClickHouse cold store. */
  public static Map<String, HttpEndpoint> endpoints(RollupReader reader, QueryConfig config, QueryLatency latency) {
    return endpoints(reader, null, config, latency);
  }

  /**
   * Path to endpoint, for the gateway's routes. {@code cold} (null without ClickHouse) answers
   * {@code /v1/raw} and rollup ranges older than the hot retention.
   */
  public static Map<String, HttpEndpoint> endpoints(RollupReader reader, ColdReads cold, QueryConfig config, QueryLatency latency) {
    requireNonNull(reader, "reader");
    requireNonNull(config, "config");
    requireNonNull(latency, "latency");
    Map<String, HttpEndpoint> endpoints = new HashMap<>();
    endpoints.put(RollupsEndpoint.PATH, new RollupsEndpoint(reader, cold, config.maxSeries()));
    endpoints.put(RawEndpoint.PATH, new RawEndpoint(cold));
    endpoints.put(EventsEndpoint.PATH, new EventsEndpoint(reader));
    endpoints.put(InstancesEndpoint.PATH, new InstancesEndpoint(reader));
    endpoints.replaceAll((path, endpoint) -> {
      HttpEndpoint get = new GetOnly(path, endpoint);
      return latency.timed(path, config.token() == null ? get : new BearerAuth("query", config.token(), get));
    });
    endpoints.put(DashboardEndpoint.PATH,
        latency.timed(DashboardEndpoint.PATH, new GetOnly(DashboardEndpoint.PATH, new DashboardEndpoint())));
    return Map.copyOf(endpoints);
  }
}
