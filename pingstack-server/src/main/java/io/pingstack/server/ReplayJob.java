package io.pingstack.server;

import com.fasterxml.jackson.core.JsonGenerator;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.engine.ReplayProgress;
import io.pingstack.engine.ReplayTarget;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One replay: what was asked, the range it covers, and how far it got. Written by its own thread
 * (and {@link ReplayJobs} as it finishes), read by anyone.
 */
final class ReplayJob {
  /** API.md fixes these three: a cancelled replay is {@code failed}. */
  enum State {
    RUNNING,
    DONE,
    FAILED;

    String code() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static final String CANCELLED = "the replay was cancelled";

  private final String id;
  private final ReplayRequest request;
  private final ReplayRange range;
  private final List<ReplayTarget> targets;
  private final ReplayProgress progress = new ReplayProgress();
  private final Instant startedAt;
  private final List<ReplayOutcome> outcomes = new CopyOnWriteArrayList<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean cancelRequested;
  private volatile State state = State.RUNNING;
  private volatile String error;
  private volatile Instant finishedAt;
  private volatile long finalMillis;

  ReplayJob(String id, ReplayRequest request, ReplayRange range, List<ReplayTarget> targets, Instant startedAt) {
    this.id = id;
    this.request = request;
    this.range = range;
    this.targets = List.copyOf(targets);
    this.startedAt = startedAt;
  }

  String id() {
    return id;
  }

  ReplayRequest request() {
    return request;
  }

  ReplayRange range() {
    return range;
  }

  List<ReplayTarget> targets() {
    return targets;
  }

  ReplayProgress progress() {
    return progress;
  }

  State state() {
    return state;
  }

  /** Why it failed, or null. */
  String error() {
    return error;
  }

  List<ReplayOutcome> outcomes() {
    return List.copyOf(outcomes);
  }

  void outcome(ReplayOutcome outcome) {
    outcomes.add(outcome);
  }

  /** Asks the replay to stop: its log refuses the next batch, and no further target starts. */
  void cancel() {
    cancelRequested = true;
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  /** Ends the job; the rate and duration stop moving. Called once, by {@link ReplayJobs}. */
  void finish(State end, String failure, Instant at) {
    finalMillis = Math.max(1, progress.elapsedMillis());
    error = failure;
    finishedAt = at;
    state = end;
    finished.countDown();
  }

  /** Waits until the job has finished; false when it has not within {@code limit}. */
  boolean await(Duration limit) throws InterruptedException {
    return finished.await(limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Milliseconds it ran, or has run so far. */
  long elapsedMillis() {
    return state == State.RUNNING ? progress.elapsedMillis() : finalMillis;
  }

  /** Pings read per second, over the whole replay. */
  double rate() {
    return state == State.RUNNING ? progress.pingsPerSecond() : progress.pings() * 1000.0 / finalMillis;
  }

  /**
   * Records the replay expects to read in all: the range once per target, or more when a target
   * reads more (the rollups read whole cells); -1 when a target cannot tell.
   */
  long plannedRecords() {
    long planned = progress.plannedRecords();
    return planned < 0 ? -1 : Math.max(planned, range.records() * targets.size());
  }

  /** Seconds left at the rate so far; 0 once done; -1 when unknown. */
  double etaSeconds() {
    if (state != State.RUNNING) {
      return state == State.DONE ? 0 : -1;
    }
    long planned = plannedRecords();
    long done = progress.records();
    if (planned < 0 || done == 0) {
      return -1;
    }
    return Math.max(0, planned - done) * (progress.elapsedMillis() / 1000.0) / done;
  }

  /** {@code GET /admin/replay/<id>}: API.md's fields, then what else an operator wants to see. */
  void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("state", state.code());
    g.writeNumberField("records", progress.records());
    g.writeNumberField("pings", progress.pings());
    g.writeNumberField("rate", Math.round(rate() * 10) / 10.0);
    g.writeStringField("error", error);
    g.writeStringField("target", request.target());
    g.writeNumberField("from", range.from());
    g.writeNumberField("to", range.to());
    g.writeNumberField("range_records", range.records());
    g.writeBooleanField("dry_run", request.dryRun());
    g.writeBooleanField("rebuild", request.rebuild());
    long planned = plannedRecords();
    if (planned < 0) {
      g.writeNullField("planned_records");
    } else {
      g.writeNumberField("planned_records", planned);
    }
    double eta = etaSeconds();
    if (eta < 0) {
      g.writeNullField("eta_seconds");
    } else {
      g.writeNumberField("eta_seconds", Math.round(eta * 10) / 10.0);
    }
    g.writeStringField("started_at", startedAt.toString());
    g.writeStringField("finished_at", finishedAt == null ? null : finishedAt.toString());
    g.writeNumberField("elapsed_seconds", elapsedMillis() / 1000.0);
    g.writeBooleanField("cancel_requested", cancelRequested);
    g.writeArrayFieldStart("outcomes");
    for (ReplayOutcome o : outcomes) {
      g.writeStartObject();
      g.writeStringField("target", o.target());
      g.writeObjectFieldStart("counts");
      for (Map.Entry<String, Long> c : o.counts().entrySet()) {
        g.writeNumberField(c.getKey(), c.getValue());
      }
      g.writeEndObject();
      g.writeStringField("summary", o.summary());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }
}
