package io.pingstack.load;

import io.netty.buffer.ByteBuf;

/**
 * Writes the request bodies of one connection, each a batch of new pings: {@link PingBodies}
 * ({@code PingBatch}), {@link JsonPingBodies} (JSON or NDJSON), {@link JsonRowBodies} (ClickHouse
 * rows), or one of them gzipped by {@link GzipBodies}. Confined to one thread.
 */
interface BodyWriter {
  /**
   * From now on, records every ping written (its id and instance) in the returned {@link SentPings},
   * which the caller clears before each request; for the {@link Ledger}. The same instance on every call.
   */
  SentPings recordSent();

  /** An upper bound of the bytes {@link #write} needs for {@code batch} pings, to size the buffer once. */
  int maxBodySize(int batch);

  /**
   * Appends a body of {@code batch} new pings, timestamped {@code nowMillis} (or each at a time of
   * the run's spread), to {@code out}.
   */
  void write(ByteBuf out, int batch, long nowMillis);
}
