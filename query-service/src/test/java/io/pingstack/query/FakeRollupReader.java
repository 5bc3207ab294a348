package io.pingstack.query;

import io.pingstack.rollups.EventSummary;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.InstancesSummary;
import io.pingstack.rollups.RollupQuery;
import io.pingstack.rollups.RollupQueryException;
import io.pingstack.rollups.RollupReader;
import io.pingstack.rollups.RollupResult;
import io.pingstack.rollups.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A {@link RollupReader} of hand-built answers that remembers every question it was asked. */
final class FakeRollupReader implements RollupReader {
  final List<RollupQuery> queries = new ArrayList<>();
  final List<Long> activeSinceAsked = new ArrayList<>();
  final List<Field> instancesGroupByAsked = new ArrayList<>();
  Set<String> declared = Set.of("region", "os");
  List<RollupResult.Series> series = List.of();
  List<EventSummary> events = List.of();
  InstancesSummary instances = new InstancesSummary(0, List.of());
  RollupQueryException refusal;

  /** Answers with {@code series} over the query's range aligned to its step. */
  @Override
  public RollupResult read(RollupQuery query) {
    queries.add(query);
    if (refusal != null) {
      throw refusal;
    }
    Step step = query.step();
    return new RollupResult(step.alignDown(query.fromMillis()), step.alignDown(query.toMillis()), series);
  }

  RollupQuery lastQuery() {
    return queries.get(queries.size() - 1);
  }

  @Override
  public List<EventSummary> events() {
    return events;
  }

  @Override
  public InstancesSummary instances(long activeSinceMillis, Field groupBy) {
    activeSinceAsked.add(activeSinceMillis);
    instancesGroupByAsked.add(groupBy);
    return instances;
  }

  @Override
  public Set<String> declaredDimensions() {
    return declared;
  }

  @Override
  public long retentionMillis(Step step) {
    return switch (step) {
      case MINUTE -> 48 * Step.HOUR.millis();
      case HOUR -> 90 * Step.DAY.millis();
      case DAY -> 730 * Step.DAY.millis();
    };
  }
}
