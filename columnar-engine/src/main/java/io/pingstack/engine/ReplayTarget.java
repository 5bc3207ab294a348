package io.pingstack.engine;

/**
 * Something a replay rebuilds from the log: the rollups, or a cold store. A replay names a WAL range
 * {@code [from, to]}; the target brings what it holds for that range to what live ingest produces
 * from those records, without counting anything twice, while live ingest goes on.
 *
 * <p>A target reads the log only through the {@link ReplayLog} it is given (which paces the reads,
 * counts progress and stops them when the replay is cancelled) and may read more than the range
 * when its output needs it (the rollups rebuild a cell from every record that falls into it). It
 * runs on the replay's own thread; it coordinates with the live consumer of the same store itself.
 */
public interface ReplayTarget {
  /** {@code rollups} or {@code cold}: the name a replay request uses. */
  String targetName();

  /**
   * Replays {@code [from, to]} (positions the log holds; the caller pins them) into this target.
   * With {@link ReplayOptions#dryRun()} nothing changes and the outcome says what would. Throws
   * {@link ReplayException} with a message for an operator when it cannot be done, and {@link
   * ReplayCancelledException} (from the log) when cancelled; either way, what the target holds stays
   * as live ingest made it or is repaired by running the same replay again.
   */
  ReplayOutcome replay(ReplayLog log, long from, long to, ReplayOptions options);
}
