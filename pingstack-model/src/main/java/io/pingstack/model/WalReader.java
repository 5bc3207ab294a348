package io.pingstack.model;

import io.pingstack.model.proto.WalRecord;

/** Reads WAL records in one direction. Not thread-safe: one reader per thread. */
public interface WalReader extends AutoCloseable {
  /** One record and its position. */
  record Entry(long position, WalRecord record) {}

  /** The next record, or null when there is none yet. Throws {@link WalCorruptException} for a record that does not decode. */
  Entry next();

  @Override
  void close();
}
