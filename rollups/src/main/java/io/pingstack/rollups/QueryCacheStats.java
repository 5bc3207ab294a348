package io.pingstack.rollups;

/**
 * What the rollups' cache of merged cells did since start: lookups that found a merged cell still
 * valid, lookups that did not (each one a merge of a bucket's cells), the estimated heap it holds
 * (bounded by {@code rollups.query_cache_bytes}), and the estimated bytes it dropped to stay within
 * that bound.
 */
public record QueryCacheStats(long hits, long misses, long bytes, long evictedBytes) {}
