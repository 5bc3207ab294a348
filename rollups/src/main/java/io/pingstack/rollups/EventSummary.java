package io.pingstack.rollups;

import java.util.SortedSet;

/**
 * One event as {@code GET /v1/events} lists it.
 *
 * @param count pings of this event applied to the rollups, including those left out of the cells by
 *     the series cap
 * @param firstSeenMillis the earliest event time among them
 * @param lastSeenMillis the latest event time among them
 * @param metrics every metric name seen on the event
 * @param dimensions every dimension key seen on the event (declared or not)
 * @param cappedPings pings counted in {@code count} but in no cell, because their series would have
 *     crossed the series cap
 */
public record EventSummary(
    String event,
    long count,
    long firstSeenMillis,
    long lastSeenMillis,
    SortedSet<String> metrics,
    SortedSet<String> dimensions,
    long cappedPings) {}
