package io.pingstack.server;

import static io.pingstack.server.ReplayIT.admin;
import static io.pingstack.server.ReplayIT.awaitEnd;
import static io.pingstack.server.ReplayIT.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pingstack.server.GroundTruth.Question;
import io.pingstack.server.GroundTruth.Step;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, "replays never double count", against the real service over its sockets: the same WAL
 * range replayed twice into the rollups and the cold store while pings keep coming in; a cold day
 * deleted from disk and restored by a replay; a dimension declared after the fact and the rollups
 * rebuilt in the new shape by a replay that is killed with {@code kill -9} half way and started
 * again. After all of it every {@code /v1/rollups} answer is checked against the truth the test
 * computes itself, grouped by the new dimension too, and the Arrow files hold every acknowledged
 * ping exactly once.
 */
class ReplayEndToEndIT {
  private static final long SEED = 20261129L;
  private static final int UNIQUE_PINGS = 120_000;
  private static final int BATCH = 400;
  private static final String HEAP = "1g";
  private static final Duration LIMIT = Duration.ofMinutes(3);

  @TempDir Path dir;

  private String[] settings(String dimensions, long replayCap) throws Exception {
    Path token = dir.resolve("admin-token");
    Files.writeString(token, ReplayIT.TOKEN + "\n");
    return new String[] {
        "PINGSTACK_ADMIN_TOKEN_FILE", token.toString(),
        "PINGSTACK_ROLLUPS_DIMENSIONS", dimensions,
        "PINGSTACK_COLD_COMMIT_INTERVAL", "1s",
        "PINGSTACK_ROLLUPS_SNAPSHOT_INTERVAL", "2s",
        "PINGSTACK_REPLAY_MAX_PINGS_PER_SECOND", Long.toString(replayCap)};
  }

  @Test
  void replaysDuringLiveIngestRestoresAndRebuildsNeverCountTwice() throws Exception {
    long startedMillis = System.currentTimeMillis();
    PingMix mix = new PingMix(SEED, UNIQUE_PINGS, Instant.ofEpochMilli(startedMillis));
    GroundTruth truth = GroundTruth.of(mix);
    Path data = dir.resolve("data");
    Path log = dir.resolve("service.log");
    ChildServer server = ChildServer.start(data, log, HEAP, settings("plan,region", 0));
    try {
      PingSender sender = new PingSender(mix, BATCH, server.port, LIMIT);
      sender.start(2);
      assertThat(sender.awaitBatches(sender.batches() * 2 / 5)).as("problems: %s", sender.problems()).isTrue();

      // The same range twice, while the senders go on.
      long[] range = walRange(server.port);
      for (int round = 0; round < 2; round++) {
        JsonNode job = replay(server.port, "{\"from\": " + range[0] + ", \"to\": " + range[1] + ", \"target\": \"all\"}");
        assertThat(job.at("/outcomes/0/counts/buckets_rebuilt").asLong()).as("%s", job).isPositive();
        assertThat(job.at("/outcomes/0/counts/cells_added").asLong()).as("%s", job)
            .isEqualTo(job.at("/outcomes/0/counts/cells_removed").asLong());
        assertThat(job.at("/outcomes/1/target").asText()).isEqualTo("cold");
        assertThat(job.at("/outcomes/1/counts/rows_written").asLong()).as("nothing lacking: %s", job).isZero();
      }
      sender.join();
      assertThat(sender.problems()).isEmpty();
      assertThat(sender.acknowledged().cardinality()).isEqualTo(mix.unique());
      Servers.awaitEventCounts(server.port, truth.countsByEvent(), LIMIT);
      awaitConsumersCaughtUp(server.port);

      // A cold day deleted from disk, restored.
      Path day = busiestPastDay(data.resolve("cold"), startedMillis);
      deleteTree(day);
      range = walRange(server.port);
      JsonNode restore = replay(server.port, "{\"from\": " + range[0] + ", \"to\": " + range[1] + ", \"target\": \"cold\"}");
      assertThat(restore.at("/outcomes/0/counts/files_restored").asLong()).as("%s", restore).isPositive();
      assertThat(day).isDirectory();

      // A dimension declared after the fact; the rebuild killed half way, then run again.
      server.close();
      server = ChildServer.start(data, log, HEAP, settings("plan,region," + PingMix.UNDECLARED_DIMENSION, 2_000));
      HttpResponse<String> started = admin(server.port, "POST", "/admin/replay", "{\"from\": " + range[0] + ", \"target\": \"all\"}");
      assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
      String id = json(started).get("id").asText();
      awaitRecordsRead(server.port, id);
      server.kill9();
      server = ChildServer.start(data, log, HEAP, settings("plan,region," + PingMix.UNDECLARED_DIMENSION, 0));
      JsonNode rebuild = replay(server.port, "{\"from\": " + range[0] + ", \"target\": \"all\"}");
      assertThat(rebuild.at("/outcomes/0/counts/buckets_kept").asLong()).as("%s", rebuild).isZero();
      assertThat(rebuild.at("/outcomes/0/counts/cells_added").asLong()).as("%s", rebuild)
          .isGreaterThan(rebuild.at("/outcomes/0/counts/cells_removed").asLong());

      RollupCheck check = new RollupCheck(truth, RollupsEndToEndIT.startOfDay(startedMillis) - Duration.ofDays(4).toMillis(),
          RollupsEndToEndIT.startOfDay(startedMillis) + Duration.ofDays(1).toMillis());
      List<Question> questions = questions();
      for (Question q : questions) {
        check.check(server.port, q);
      }
      assertThat(check.mismatches()).as("%d mismatches in %d buckets; the first", check.mismatchCount(), check.buckets()).isEmpty();

      server.process.destroy();
      assertThat(server.process.waitFor(60, TimeUnit.SECONDS)).as("graceful stop within 60 s").isTrue();
      ColdFiles cold = new ColdFiles(mix, startedMillis, System.currentTimeMillis());
      cold.readAll(data.resolve("cold"));
      assertThat(cold.problems()).as("%d problems in the cold rows; the first", cold.problemCount()).isEmpty();
      assertThat(cold.missing()).as("accepted pings missing from the cold store, e.g. %s", cold.someMissing()).isZero();
      assertThat(cold.storedTwice()).as("pings stored twice in the cold store").isZero();
      assertThat(cold.rows()).isEqualTo(mix.unique());
      System.out.printf("ReplayEndToEndIT: %d pings, %d questions, %d buckets checked, %d cold rows; %d s%n",
          mix.unique(), questions.size(), check.buckets(), cold.rows(), (System.currentTimeMillis() - startedMillis) / 1000);
    } finally {
      server.close();
    }
  }

  /** The usual questions, and per event at each step: by the new dimension, and by version and it. */
  private static List<Question> questions() {
    List<Question> questions = new ArrayList<>(RollupsEndToEndIT.questions());
    String browser = "dimension." + PingMix.UNDECLARED_DIMENSION;
    for (int e = 0; e < PingMix.EVENTS.size(); e++) {
      String metric = PingMix.METRICS.get(e).get(0);
      for (Step step : Step.values()) {
        questions.add(new Question(PingMix.EVENTS.get(e), step, metric, List.of(browser), null, null));
        questions.add(new Question(PingMix.EVENTS.get(e), step, metric, List.of("version", browser), null, null));
      }
    }
    return questions;
  }

  /** Starts a replay and waits for it to end; it must end done. */
  private static JsonNode replay(int port, String request) throws Exception {
    HttpResponse<String> started = admin(port, "POST", "/admin/replay", request);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    JsonNode job = awaitEnd(port, json(started).get("id").asText(), LIMIT);
    assertThat(job.get("state").asText()).as("%s", job).isEqualTo("done");
    return job;
  }

  private static long[] walRange(int port) throws Exception {
    JsonNode wal = json(admin(port, "GET", "/admin/wal", null));
    return new long[] {wal.get("first_position").asLong(), wal.get("last_position").asLong()};
  }

  /** Until both consumers have made every record of the log durable. */
  private static void awaitConsumersCaughtUp(int port) throws Exception {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (true) {
      JsonNode wal = json(admin(port, "GET", "/admin/wal", null));
      long last = wal.get("last_position").asLong();
      boolean caughtUp = true;
      for (JsonNode consumer : wal.get("consumers")) {
        caughtUp &= consumer.get("durable_position").asLong() == last;
      }
      if (caughtUp) {
        return;
      }
      assertThat(System.nanoTime() - deadline).as("consumers caught up: %s", wal.get("consumers")).isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private static void awaitRecordsRead(int port, String id) throws Exception {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (true) {
      JsonNode job = json(admin(port, "GET", "/admin/replay/" + id, null));
      assertThat(job.get("state").asText()).as("%s", job).isEqualTo("running");
      if (job.get("records").asLong() > 0) {
        return;
      }
      assertThat(System.nanoTime() - deadline).as("the replay reads: %s", job).isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** The day directory with the most files, other than today's (UTC). */
  private static Path busiestPastDay(Path coldDir, long nowMillis) throws Exception {
    String today = "day=" + LocalDate.ofInstant(Instant.ofEpochMilli(nowMillis), ZoneOffset.UTC);
    try (Stream<Path> days = Files.list(coldDir)) {
      return days.filter(p -> p.getFileName().toString().startsWith("day=") && !p.getFileName().toString().equals(today))
          .max(Comparator.comparingLong(ReplayEndToEndIT::fileCount))
          .orElseThrow();
    }
  }

  private static long fileCount(Path day) {
    try (Stream<Path> files = Files.list(day)) {
      return files.count();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
