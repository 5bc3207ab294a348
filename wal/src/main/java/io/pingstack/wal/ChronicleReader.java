package io.pingstack.wal;

import io.pingstack.model.RecordBuffer;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.model.WalCorruptException;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/** A Chronicle tailer that decodes {@link WalRecord}s. Reads never move anything the log keeps. */
final class ChronicleReader implements WalReader {
  private final ExcerptTailer tailer;

  ChronicleReader(SingleChronicleQueue queue, long fromPosition, boolean backward) {
    this.tailer = queue.createTailer();
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
      bytes.read(into.reserve((int) length), 0, (int) length);
      return dc.index();
    }
  }

  @Override
  public long skip() {
    try (DocumentContext dc = tailer.readingDocument()) {
      return dc.isPresent() ? dc.index() : Wal.NONE;
    }
  }

  @Override
  public void close() {
    tailer.close();
  }
}
