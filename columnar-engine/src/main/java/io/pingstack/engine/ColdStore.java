package io.pingstack.engine;

/**
 * Cold storage: every accepted ping, raw, stored exactly once. A cold store writes the rows of the
 * batches it accepts unchanged, with their {@code wal_position}; its {@link #resumePosition()} is
 * the position committed together with the stored rows, so a crash, a retry or a replay never stores
 * a row twice nor skips one. Rows of records at or before the last position it accepted are ignored,
 * which makes {@link #accept} idempotent by WAL range. As a {@link ReplayTarget} ({@code cold}) it
 * writes what it lacks of a replayed range, or rewrites the range.
 */
public interface ColdStore extends BatchSink, ReplayTarget {
  @Override
  default String targetName() {
    return "cold";
  }
}
