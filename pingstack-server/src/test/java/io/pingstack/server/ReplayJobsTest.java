package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pingstack.engine.ConsumerConfig;
import io.pingstack.engine.ReplayException;
import io.pingstack.engine.ReplayTarget;
import io.pingstack.engine.Records;
import io.pingstack.model.RetentionPin;
import io.pingstack.model.Wal;
import io.pingstack.server.ReplayRefusedException.Reason;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replays' lifecycle over a real log of 4 records of 2 pings, into stand-in targets. */
class ReplayJobsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private Wal wal;
  private ReplayJobs jobs;
  private final List<Long> positions = new ArrayList<>();
  private final CountDownLatch gate = new CountDownLatch(1);

  @BeforeEach
  void fourRecords() throws Exception {
    wal = Records.openWal(dir);
    for (int i = 0; i < 4; i++) {
      positions.add(Records.append(wal, Records.record(Records.pings("r" + i, 2))));
    }
  }

  @AfterEach
  void close() {
    gate.countDown();
    if (jobs != null) {
      jobs.close();
    }
    wal.close();
  }

  private ReplayJobs jobs(ReplayTarget... targets) {
    jobs = new ReplayJobs(wal, ConsumerConfig.defaults().withMaxRows(2), 0, List.of(targets), Clock.systemUTC());
    return jobs;
  }

  private static ReplayRequest request(String json) {
    return ReplayRequest.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private ReplayRequest all(String target) {
    return request("{\"from\": " + positions.get(0) + ", \"target\": \"" + target + "\"}");
  }

  private static ReplayJob finished(ReplayJob job) throws InterruptedException {
    assertThat(job.await(Duration.ofSeconds(30))).as("replay " + job.id() + " finished").isTrue();
    return job;
  }

  private static JsonNode json(ReplayJob job) throws Exception {
    StringWriter text = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
      job.writeJson(g);
    }
    return JSON.readTree(text.toString());
  }

  private List<String> replayPins() {
    return wal.retentionPins().stream().map(RetentionPin::name).filter(n -> n.startsWith("replay-")).toList();
  }

  @Test
  void aReplayRunsOnItsOwnThreadHoldingItsRangeThenIsDoneWithWhatItRead() throws Exception {
    FakeReplayTarget cold = FakeReplayTarget.reading("cold").waitingFor(gate);
    ReplayJob job = jobs(cold).start(all("cold"));

    assertThat(cold.entered.await(10, TimeUnit.SECONDS)).isTrue();
    JsonNode running = json(job);
    assertThat(running.get("id").asText()).matches("[0-9a-f]{8}").isEqualTo(job.id());
    assertThat(running.get("state").asText()).isEqualTo("running");
    assertThat(running.get("error").isNull()).isTrue();
    assertThat(running.get("finished_at").isNull()).isTrue();
    assertThat(running.get("from").asLong()).isEqualTo(positions.get(0));
    assertThat(running.get("to").asLong()).isEqualTo(positions.get(3));
    assertThat(running.get("planned_records").asLong()).isEqualTo(4);
    assertThat(running.get("eta_seconds").isNull()).as("nothing read yet").isTrue();
    assertThat(jobs.isRunning()).isTrue();
    assertThat(replayPins()).containsExactly("replay-" + job.id() + "-1");

    gate.countDown();
    JsonNode done = json(finished(job));
    assertThat(done.get("state").asText()).isEqualTo("done");
    assertThat(done.get("records").asLong()).isEqualTo(4);
    assertThat(done.get("pings").asLong()).isEqualTo(8);
    assertThat(done.get("rate").asDouble()).isPositive();
    assertThat(done.get("eta_seconds").asDouble()).isZero();
    assertThat(done.get("target").asText()).isEqualTo("cold");
    assertThat(done.get("dry_run").asBoolean()).isFalse();
    assertThat(done.get("finished_at").asText()).isNotEmpty();
    assertThat(done.get("outcomes")).hasSize(1);
    assertThat(done.at("/outcomes/0/target").asText()).isEqualTo("cold");
    assertThat(done.at("/outcomes/0/counts/pings_read").asLong()).isEqualTo(8);
    assertThat(done.at("/outcomes/0/summary").asText()).isEqualTo("rewrote 8 pings");
    assertThat(jobs.isRunning()).isFalse();
    assertThat(replayPins()).as("the range is released").isEmpty();
    assertThat(jobs.recordsTotal()).isEqualTo(4);
    assertThat(jobs.pingsTotal()).isEqualTo(8);
    assertThat(jobs.finishedCount(ReplayJob.State.DONE)).isEqualTo(1);
  }

  @Test
  void allReplaysIntoTheRollupsThenTheColdStoreSharingOneProgress() throws Exception {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    ReplayJob job = finished(jobs(FakeReplayTarget.reading("cold").recordingIn(order), FakeReplayTarget.reading("rollups").recordingIn(order))
        .start(request("{\"from\": " + positions.get(1) + ", \"to\": " + positions.get(2) + ", \"target\": \"all\", \"dry_run\": true}")));
    assertThat(order).containsExactly("rollups", "cold");
    assertThat(job.state()).isEqualTo(ReplayJob.State.DONE);
    assertThat(job.progress().records()).as("two records, read once per target").isEqualTo(4);
    assertThat(job.plannedRecords()).isEqualTo(4);
    assertThat(job.outcomes()).extracting(o -> o.target()).containsExactly("rollups", "cold");
    assertThat(job.outcomes().get(1).summary()).isEqualTo("would rewrite 4 pings");
  }

  @Test
  void aTargetsFailureFailsTheReplayWithItsMessageAndStopsThere() throws Exception {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    ReplayJob job = finished(jobs(
        FakeReplayTarget.reading("rollups").recordingIn(order)
            .failingWith(new ReplayException("cannot swap the rebuilt cells in: the snapshot directory is read-only")),
        FakeReplayTarget.reading("cold").recordingIn(order))
        .start(all("all")));
    assertThat(job.state()).isEqualTo(ReplayJob.State.FAILED);
    assertThat(job.error()).isEqualTo("cannot swap the rebuilt cells in: the snapshot directory is read-only");
    assertThat(order).containsExactly("rollups");
    assertThat(replayPins()).isEmpty();
    assertThat(jobs.finishedCount(ReplayJob.State.FAILED)).isEqualTo(1);
  }

  @Test
  void anUnexpectedFailureIsReportedAsSuch() throws Exception {
    ReplayJob job = finished(jobs(FakeReplayTarget.reading("cold").failingWith(new IllegalStateException("boom"))).start(all("cold")));
    assertThat(job.state()).isEqualTo(ReplayJob.State.FAILED);
    assertThat(job.error()).isEqualTo("unexpected failure: java.lang.IllegalStateException: boom");
  }

  @Test
  void aCancelledReplayStopsAtItsNextBatchAndFailsAsCancelled() throws Exception {
    FakeReplayTarget cold = FakeReplayTarget.reading("cold").waitingFor(gate);
    ReplayJob job = jobs(cold).start(all("cold"));
    assertThat(cold.entered.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(jobs.cancel(job.id())).isSameAs(job);
    assertThat(json(job).get("cancel_requested").asBoolean()).isTrue();
    gate.countDown();
    finished(job);
    assertThat(job.state()).isEqualTo(ReplayJob.State.FAILED);
    assertThat(job.error()).isEqualTo("the replay was cancelled");
    assertThat(job.progress().records()).isZero();
    assertThat(replayPins()).isEmpty();
  }

  @Test
  void aCancelledAllReplayStartsNoFurtherTarget() throws Exception {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    FakeReplayTarget rollups = FakeReplayTarget.reading("rollups").recordingIn(order).waitingFor(gate).notReading();
    ReplayJob job = jobs(rollups, FakeReplayTarget.reading("cold").recordingIn(order)).start(all("all"));
    assertThat(rollups.entered.await(10, TimeUnit.SECONDS)).isTrue();
    jobs.cancel(job.id());
    gate.countDown();
    finished(job);
    assertThat(order).containsExactly("rollups");
    assertThat(job.state()).isEqualTo(ReplayJob.State.FAILED);
    assertThat(job.error()).isEqualTo("the replay was cancelled");
    assertThat(job.outcomes()).extracting(o -> o.target()).containsExactly("rollups");
  }

  @Test
  void oneReplayRunsAtATimeAndASecondIsRefusedNamingTheFirst() throws Exception {
    FakeReplayTarget cold = FakeReplayTarget.reading("cold").waitingFor(gate);
    ReplayJob first = jobs(cold).start(all("cold"));
    assertThatThrownBy(() -> jobs.start(all("cold")))
        .isInstanceOf(ReplayRefusedException.class)
        .hasMessageContaining("replay " + first.id() + " is running")
        .satisfies(e -> assertThat(((ReplayRefusedException) e).reason()).isEqualTo(Reason.REPLAY_RUNNING));
    gate.countDown();
    finished(first);
    assertThat(finished(jobs.start(all("cold"))).state()).isEqualTo(ReplayJob.State.DONE);
  }

  @Test
  void theLastHundredFinishedReplaysAreKeptNewestFirst() throws Exception {
    jobs(FakeReplayTarget.reading("cold"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ReplayJobs.KEPT + 2; i++) {
      ids.add(finished(jobs.start(all("cold"))).id());
    }
    List<ReplayJob> kept = jobs.list();
    assertThat(kept).hasSize(ReplayJobs.KEPT);
    assertThat(kept.get(0).id()).isEqualTo(ids.get(ids.size() - 1));
    assertThat(kept.get(kept.size() - 1).id()).isEqualTo(ids.get(2));
    assertThat(jobs.find(ids.get(0))).isNull();
    assertThat(jobs.find(ids.get(1))).isNull();
    assertThat(jobs.find(ids.get(2))).isNotNull();
    assertThat(jobs.finishedCount(ReplayJob.State.DONE)).isEqualTo(ReplayJobs.KEPT + 2);
    assertThat(jobs.recordsTotal()).isEqualTo(4L * (ReplayJobs.KEPT + 2));
  }

  @Test
  void closingCancelsTheRunningReplayAndRefusesNewOnes() throws Exception {
    FakeReplayTarget cold = FakeReplayTarget.reading("cold").waitingFor(gate);
    ReplayJob job = jobs(cold).start(all("cold"));
    assertThat(cold.entered.await(10, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(() -> jobs.close(Duration.ofSeconds(30)));
    closer.start();
    while (!job.cancelRequested()) {
      Thread.onSpinWait();
    }
    gate.countDown();
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(job.state()).isEqualTo(ReplayJob.State.FAILED);
    assertThat(job.error()).isEqualTo("the replay was cancelled");
    assertThatThrownBy(() -> jobs.start(all("cold")))
        .isInstanceOf(ReplayRefusedException.class)
        .satisfies(e -> assertThat(((ReplayRefusedException) e).reason()).isEqualTo(Reason.SHUTTING_DOWN));
  }

  @Test
  void aPlannedCountSharedByTwoTargetsGivesAnEtaWhileRunning() throws Exception {
    CountDownLatch secondGate = new CountDownLatch(1);
    FakeReplayTarget cold = FakeReplayTarget.reading("cold").waitingFor(secondGate);
    ReplayJob job = jobs(FakeReplayTarget.reading("rollups"), cold).start(all("all"));
    assertThat(cold.entered.await(10, TimeUnit.SECONDS)).isTrue();
    JsonNode half = json(job);
    assertThat(half.get("records").asLong()).isEqualTo(4);
    assertThat(half.get("planned_records").asLong()).isEqualTo(8);
    assertThat(half.get("eta_seconds").asDouble()).isGreaterThanOrEqualTo(0);
    assertThat(half.get("outcomes")).hasSize(1);
    secondGate.countDown();
    assertThat(finished(job).progress().records()).isEqualTo(8);
  }
}
