package io.pingstack.engine;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a replay did to one target (or, dry, would do): named counts in a stable order (for example
 * {@code cells_rebuilt}, {@code rows_written}) and one line for an operator.
 */
public record ReplayOutcome(String target, Map<String, Long> counts, String summary) {
  public ReplayOutcome {
    requireNonNull(target, "target");
    requireNonNull(summary, "summary");
    counts = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(counts, "counts")));
  }

  /** The count named {@code name}, 0 when absent. */
  public long count(String name) {
    return counts.getOrDefault(name, 0L);
  }
}
