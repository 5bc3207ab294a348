package io.pingstack.rollups;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One {@code GET /v1/rollups} question, already parsed (API.md section 3).
 *
 * @param event one event name
 * @param fromMillis start, inclusive, epoch millis; the reader aligns it down to the step
 * @param toMillis end, exclusive, epoch millis; the reader aligns it down to the step
 * @param aggs what each point reports, in the order asked, without repeats
 * @param metric the metric the per-metric aggregates are over; null when none is asked
 * @param groupBy up to two fields; empty for one series over everything that matches
 * @param filters field to the values it may take: a series matches when, for every field here, its
 *     value is one of the set (values of one field are OR-ed, fields are AND-ed)
 * @param fillZero true: every bucket in range appears, empty ones with count 0 and no other
 *     values; false: empty buckets are left out
 */
public record RollupQuery(
    String event,
    long fromMillis,
    long toMillis,
    Step step,
    List<Agg> aggs,
    String metric,
    List<Field> groupBy,
    Map<Field, Set<String>> filters,
    boolean fillZero) {
  public RollupQuery {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(step, "step");
    aggs = List.copyOf(aggs);
    groupBy = List.copyOf(groupBy);
    filters = Map.copyOf(filters);
  }
}
