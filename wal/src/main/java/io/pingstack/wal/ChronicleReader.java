package io.pingstack.wal;

import io.pingstack.model.RecordBuffer;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.util.Set;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * A Chronicle tailer that decodes {@link WalRecord}s. Reads never move anything the log keeps. A
 * forward reader is in {@code open} until closed, where the log's page cache trimming sees how far
 * it has read ({@link #mark}).
 */
final class ChronicleReader implements WalReader {
  private final ExcerptTailer tailer;
  private final RecordCodec.Decoder decoder = new RecordCodec.Decoder();
  /** A compressed record's stored bytes, reused from record to record. */
  private byte[] stored = new byte[0];
  /** Null for a backward reader. */
  private final Set<ChronicleReader> open;
  /** Where the last record read ends ({@link PageCacheTrimmer#mark}), or 0 before the first. */
  private volatile long mark;

  ChronicleReader(SingleChronicleQueue queue, long fromPosition, boolean backward, Set<ChronicleReader> open) {
    this.tailer = queue.createTailer();
    this.open = backward ? null : open;
    if (backward) {
      tailer.direction(TailerDirection.BACKWARD).toEnd();
    } else if (fromPosition > queue.firstIndex()) {
      if (!tailer.moveToIndex(fromPosition)) {
        // Not a record's position (a gap between files, or past the end): start at the next one.
        tailer.toStart();
        skipBefore(fromPosition);
      }
    } else {
      tailer.toStart();
    }
    if (this.open != null) {
      this.open.add(this);
    }
  }

  long mark() {
    return mark;
  }

  private void readTo(Bytes<?> bytes) {
    mark = PageCacheTrimmer.mark(tailer.cycle(), bytes.readLimit());
  }

  private void skipBefore(long position) {
    while (true) {
      long index = tailer.index();
      if (index >= position) {
        return;
      }
      try (DocumentContext dc = tailer.readingDocument()) {
        if (!dc.isPresent()) {
          return;
        }
        if (dc.index() >= position) {
          dc.rollbackOnClose();
          return;
        }
      }
    }
  }

  @Override
  public Entry next() {
    RawEntry raw = nextRaw();
    if (raw == null) {
      return null;
    }
    try {
      return new Entry(raw.position(), WalRecord.parseFrom(raw.bytes()));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new WalCorruptException(raw.position(), e);
    }
  }

  @Override
  public RawEntry nextRaw() {
    RecordBuffer record = new RecordBuffer(); // grown to the record's exact length: no copy
    long position = nextInto(record);
    return position == Wal.NONE ? null : new RawEntry(position, record.bytes());
  }

  @Override
  public long nextInto(RecordBuffer into) {
    try (DocumentContext dc = tailer.readingDocument()) {
      if (!dc.isPresent()) {
        return Wal.NONE;
      }
      Bytes<?> bytes = dc.wire().bytes();
      long length = bytes.readRemaining();
      if (length > WalConfig.MAX_RECORD_BYTES) {
        // A damaged length: reading it would allocate up to 1 GiB and may fault past the file's end (SIGBUS kills the JVM).
        throw new WalCorruptException(dc.index(),
            new IOException("its length, " + length + " bytes, is over the largest record (" + WalConfig.MAX_RECORD_BYTES + " bytes)"));
      }
      int n = (int) length;
      if (n > 0 && bytes.readByte(bytes.readPosition()) == RecordCodec.COMPRESSED) {
        if (stored.length < n) {
          stored = new byte[n];
        }
        bytes.read(stored, 0, n);
        try {
          decoder.decode(stored, n, into);
        } catch (IOException e) {
          throw new WalCorruptException(dc.index(), e);
        }
      } else {
        bytes.read(into.reserve(n), 0, n);
      }
      readTo(bytes);
      return dc.index();
    }
  }

  @Override
  public long skip() {
    try (DocumentContext dc = tailer.readingDocument()) {
      if (!dc.isPresent()) {
        return Wal.NONE;
      }
      readTo(dc.wire().bytes());
      return dc.index();
    }
  }

  @Override
  public void close() {
    if (open != null) {
      open.remove(this);
    }
    tailer.close();
    decoder.close();
  }
}
