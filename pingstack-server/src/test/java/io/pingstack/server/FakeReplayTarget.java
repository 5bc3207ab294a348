package io.pingstack.server;

import io.pingstack.engine.ReplayLog;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.engine.ReplayTarget;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A replay target that reads its range through the {@link ReplayLog} and counts what it read; it
 * may wait at a gate before reading (to hold a replay running) or fail instead of reading.
 */
final class FakeReplayTarget implements ReplayTarget {
  private final String name;
  private final CountDownLatch gate;
  private final RuntimeException failure;
  private final List<String> calls;
  private final boolean reads;
  final CountDownLatch entered = new CountDownLatch(1);

  private FakeReplayTarget(String name, CountDownLatch gate, RuntimeException failure, List<String> calls, boolean reads) {
    this.name = name;
    this.gate = gate;
    this.failure = failure;
    this.calls = calls;
    this.reads = reads;
  }

  static FakeReplayTarget reading(String name) {
    return new FakeReplayTarget(name, null, null, Collections.synchronizedList(new ArrayList<>()), true);
  }

  /** Waits for {@code gate} before it reads. */
  FakeReplayTarget waitingFor(CountDownLatch value) {
    return new FakeReplayTarget(name, value, failure, calls, reads);
  }

  /** Throws {@code value} instead of reading. */
  FakeReplayTarget failingWith(RuntimeException value) {
    return new FakeReplayTarget(name, gate, value, calls, reads);
  }

  /** Adds its name to {@code value} as it starts, to show the order of targets. */
  FakeReplayTarget recordingIn(List<String> value) {
    return new FakeReplayTarget(name, gate, failure, value, reads);
  }

  /** Returns an outcome without reading the log (as a target with nothing to do). */
  FakeReplayTarget notReading() {
    return new FakeReplayTarget(name, gate, failure, calls, false);
  }

  @Override
  public String targetName() {
    return name;
  }

  @Override
  public ReplayOutcome replay(ReplayLog log, long from, long to, ReplayOptions options) {
    calls.add(name);
    entered.countDown();
    if (gate != null) {
      try {
        if (!gate.await(30, TimeUnit.SECONDS)) {
          throw new AssertionError("the test never opened the gate of " + name);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
    long[] pings = {0};
    long records = reads ? log.read(from, to, batch -> pings[0] += batch.rowCount()) : 0;
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("records_read", records);
    counts.put("pings_read", pings[0]);
    return new ReplayOutcome(name, counts, (options.dryRun() ? "would rewrite " : "rewrote ") + pings[0] + " pings");
  }
}
