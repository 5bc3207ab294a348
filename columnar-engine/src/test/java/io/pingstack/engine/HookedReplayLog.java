package io.pingstack.engine;

import java.util.function.Consumer;

/**
 * A {@link ReplayLog} for tests that runs {@code before} on the replay's thread just before the
 * target takes each batch, and {@code after} just after: to cancel, fail, copy the disk or let the
 * live path act at a chosen moment of a replay.
 */
public record HookedReplayLog(ReplayLog log, Runnable before, Runnable after) implements ReplayLog {
  public static HookedReplayLog before(ReplayLog log, Runnable hook) {
    return new HookedReplayLog(log, hook, () -> {});
  }

  public static HookedReplayLog after(ReplayLog log, Runnable hook) {
    return new HookedReplayLog(log, () -> {}, hook);
  }

  @Override
  public long firstPosition() {
    return log.firstPosition();
  }


  @Override
  public long read(long from, long to, Consumer<ColumnBatch> batches) {
    return log.read(from, to, hooked(batches));
  }

  @Override
  public long readNow(long from, long to, Consumer<ColumnBatch> batches) {
    return log.readNow(from, to, hooked(batches));
  }

  private Consumer<ColumnBatch> hooked(Consumer<ColumnBatch> batches) {
    return batch -> {
      before.run();
      batches.accept(batch);
      after.run();
    };
  }

  @Override
  public AutoCloseable hold(long from) {
    return log.hold(from);
  }

  @Override
  public long recordsIn(long from, long to) {
    return log.recordsIn(from, to);
  }
}
