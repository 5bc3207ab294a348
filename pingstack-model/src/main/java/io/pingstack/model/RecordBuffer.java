package io.pingstack.model;

/**
 * A record's bytes read into an array the reader keeps using ({@link WalReader#nextInto}): a reader
 * that looks at each of millions of records once (the dedup window's rebuild at start) then
 * allocates nothing per record. The record is {@code bytes()[0, length())}, until the next read.
 */
public final class RecordBuffer {
  private byte[] bytes = new byte[0];
  private int length;

  /** The array to read {@code length} bytes into: this buffer's, grown to exactly that when smaller. */
  public byte[] reserve(int length) {
    if (bytes.length < length) {
      bytes = new byte[length];
    }
    this.length = length;
    return bytes;
  }

  /** Holds {@code record} itself (not a copy) as the buffer's array. */
  void hold(byte[] record) {
    bytes = record;
    length = record.length;
  }

  public byte[] bytes() {
    return bytes;
  }

  public int length() {
    return length;
  }
}
