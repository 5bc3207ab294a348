package io.pingstack.query;

/**
 * How the query endpoints behave.
 *
 * @param token the bearer token every query endpoint requires ({@code Authorization: Bearer
 *     <token>}), or null for open queries; the dashboard page itself is always served
 * @param maxSeries most series one {@code /v1/rollups} answer may hold; a larger answer is
 *     refused with {@code 400 too_many_series}, never truncated
 */
public record QueryConfig(String token, int maxSeries) {
  public static final int DEFAULT_MAX_SERIES = 1_000;

  public QueryConfig {
    if (token != null && token.isBlank()) {
      throw new IllegalArgumentException("query token is blank: set a token or leave it unset for open queries");
    }
    if (token != null && !token.equals(token.strip())) {
      throw new IllegalArgumentException("query token has leading or trailing whitespace, which a Bearer header cannot carry");
    }
    if (maxSeries < 1) {
      throw new IllegalArgumentException("query maxSeries must be at least 1, got " + maxSeries);
    }
  }

  /** Open queries, at most {@link #DEFAULT_MAX_SERIES} series per answer. */
  public static QueryConfig defaults() {
    return new QueryConfig(null, DEFAULT_MAX_SERIES);
  }

  /** Redacts the token: the effective configuration is logged. */
  @Override
  public String toString() {
    return "QueryConfig[token=" + (token == null ? "none" : "<redacted>") + ", maxSeries=" + maxSeries + "]";
  }
}
