package io.pingstack.engine.clickhouse;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.ReplayLog;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A {@link ReplayLog} over WAL entries held in memory, handed over {@code recordsPerBatch} records at a time. */
final class EntriesReplayLog implements ReplayLog {
  private final List<WalReader.Entry> entries;
  private final int recordsPerBatch;

  EntriesReplayLog(List<WalReader.Entry> entries, int recordsPerBatch) {
    this.entries = List.copyOf(entries);
    this.recordsPerBatch = recordsPerBatch;
  }

  @Override
  public long firstPosition() {
    return entries.isEmpty() ? Wal.NONE : entries.get(0).position();
  }


  @Override
  public long read(long from, long to, Consumer<ColumnBatch> batches) {
    List<WalReader.Entry> range = inRange(from, to);
    for (int i = 0; i < range.size(); i += recordsPerBatch) {
      try (ColumnBatch batch = ColumnBatch.of(range.subList(i, Math.min(range.size(), i + recordsPerBatch)))) {
        batches.accept(batch);
      }
    }
    return range.size();
  }

  @Override
  public long readNow(long from, long to, Consumer<ColumnBatch> batches) {
    return read(from, to, batches);
  }

  @Override
  public AutoCloseable hold(long from) {
    return () -> {};
  }

  @Override
  public long recordsIn(long from, long to) {
    return inRange(from, to).size();
  }

  private List<WalReader.Entry> inRange(long from, long to) {
    List<WalReader.Entry> range = new ArrayList<>();
    for (WalReader.Entry entry : entries) {
      if (entry.position() >= from && entry.position() <= to) {
        range.add(entry);
      }
    }
    return range;
  }
}
