package io.pingstack.rollups;

import java.util.List;
import java.util.Set;

/**
 * Answers dashboard questions from the hot rollup cells, never from raw pings. Thread-safe: any
 * number of threads may read while the rollup consumer applies new pings.
 */
public interface RollupReader {
  /** Throws {@link RollupQueryException} for a question that cannot be answered as asked. */
  RollupResult read(RollupQuery query);

  /** Every event seen, by name. */
  List<EventSummary> events();

  /** Instances active since {@code activeSinceMillis}; {@code groupBy} is null, {@link Field#VERSION} or {@link Field#DEPLOY_TYPE}. */
  InstancesSummary instances(long activeSinceMillis, Field groupBy);

  /** The dimension keys series are keyed by (configured); {@code dimension.<key>} works only for these. */
  Set<String> declaredDimensions();

  /** How far back cells of {@code step} are kept, in millis. */
  long retentionMillis(Step step);
}
