package io.pingstack.rollups;

import java.util.List;

/**
 * The answer of {@code GET /v1/instances}: instances whose latest ping (by event time) is at or after
 * {@code active_since}.
 *
 * @param instances how many distinct instances
 * @param groups with a {@code group_by}: per value of the field, how many of those instances had it
 *     on their latest ping, by descending count then value; empty without one
 */
public record InstancesSummary(long instances, List<Group> groups) {
  public InstancesSummary {
    groups = List.copyOf(groups);
  }

  public record Group(String value, long instances) {}
}
