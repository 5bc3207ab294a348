package io.pingstack.query;

import static java.util.Objects.requireNonNull;

import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.rollups.RollupReader;
import java.util.HashMap;
import java.util.Map;

/**
 * The query side of API.md section 3, as endpoints for the HTTP gateway: {@code /v1/rollups},
 * {@code /v1/events}, {@code /v1/instances} and the dashboard page at {@code /}. Every endpoint
 * takes GET only and has its handling time recorded in {@link QueryLatency}; the three JSON
 * endpoints require the query token when one is configured, the page does not.
 */
public final class QueryService {
  private QueryService() {}

  /** Path to endpoint, for the gateway's routes. */
  public static Map<String, HttpEndpoint> endpoints(RollupReader reader, QueryConfig config, QueryLatency latency) {
    requireNonNull(reader, "reader");
    requireNonNull(config, "config");
    requireNonNull(latency, "latency");
    Map<String, HttpEndpoint> endpoints = new HashMap<>();
    endpoints.put(RollupsEndpoint.PATH, new RollupsEndpoint(reader, config.maxSeries()));
    endpoints.put(EventsEndpoint.PATH, new EventsEndpoint(reader));
    endpoints.put(InstancesEndpoint.PATH, new InstancesEndpoint(reader));
    endpoints.replaceAll((path, endpoint) -> {
      HttpEndpoint get = new GetOnly(path, endpoint);
      return latency.timed(path, config.token() == null ? get : new QueryAuth(config.token(), get));
    });
    endpoints.put(DashboardEndpoint.PATH,
        latency.timed(DashboardEndpoint.PATH, new GetOnly(DashboardEndpoint.PATH, new DashboardEndpoint())));
    return Map.copyOf(endpoints);
  }
}
