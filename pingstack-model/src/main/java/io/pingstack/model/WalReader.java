package io.pingstack.model;

import io.pingstack.model.proto.WalRecord;

/** Reads WAL records in one direction. Not thread-safe: one reader per thread. */
public interface WalReader extends AutoCloseable {
  /** One record and its position. */
  record Entry(long position, WalRecord record) {}

  /** One record, still encoded, and its position. The bytes belong to the caller. */
  record RawEntry(long position, byte[] bytes) {}

  /** The next record, or null when there is none yet. Throws {@link WalCorruptException} for a record that does not decode. */
  Entry next();

  /** As {@link #next()}, without decoding: for readers that need only a few fields ({@link WalRecordIds}). */
  default RawEntry nextRaw() {
    Entry entry = next();
    return entry == null ? null : new RawEntry(entry.position(), entry.record().toByteArray());
  }

  /**
   * As {@link #nextRaw()}, into {@code into}, whose array is reused from record to record: returns
   * the record's position, or {@link Wal#NONE} when there is none yet.
   */
  default long nextInto(RecordBuffer into) {
    RawEntry entry = nextRaw();
    if (entry == null) {
      return Wal.NONE;
    }
    into.hold(entry.bytes());
    return entry.position();
  }

  /**
   * Moves past the next record without reading it, for a reader that has its contents from elsewhere:
   * returns its position, or {@link Wal#NONE} when there is none yet.
   */
  default long skip() {
    RawEntry entry = nextRaw();
    return entry == null ? Wal.NONE : entry.position();
  }

  @Override
  void close();
}
