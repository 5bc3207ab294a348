package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pingstack.server.GroundTruth.Question;
import io.pingstack.server.GroundTruth.Step;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, "numbers you can trust": a million pings with a known mix go in over JSON and protobuf
 * while the service is killed with {@code kill -9} three times and the senders retry; then every
 * {@code /v1/rollups} aggregate at 1m, 1h and 1d, ungrouped, grouped and filtered, is compared with
 * the truth the test computes itself, and the Arrow files of the cold store are read back: every
 * acknowledged ping exactly once.
 */
class RollupsEndToEndIT {
  private static final long SEED = 20261121L;
  private static final int UNIQUE_PINGS = 1_000_000;
  private static final int BATCH = 800;
  private static final int SENDERS = 3;
  private static final double[] KILL_AFTER = {0.20, 0.45, 0.75};
  private static final String HEAP = "2g";
  private static final Duration SEND_LIMIT = Duration.ofMinutes(4);
  private static final Duration CATCH_UP_LIMIT = Duration.ofMinutes(2);
  /** Declared dimensions, and intervals short enough that kills land between snapshots and commits. */
  private static final String[] SETTINGS = {
      "PINGSTACK_ROLLUPS_DIMENSIONS", "plan,region",
      "PINGSTACK_COLD_COMMIT_INTERVAL", "1s",
      "PINGSTACK_ROLLUPS_SNAPSHOT_INTERVAL", "2s"};

  @TempDir Path dir;

  @Test
  void everyAcknowledgedPingCountsOnceInEveryRollupAndIsStoredOnceDespiteKillsRetriesAndDuplicates() throws Exception {
    long startedMillis = System.currentTimeMillis();
    PingMix mix = new PingMix(SEED, UNIQUE_PINGS, Instant.ofEpochMilli(startedMillis));
    GroundTruth truth = GroundTruth.of(mix);
    progress(startedMillis, "ground truth of " + truth.size() + " pings computed");
    Path data = dir.resolve("data");
    Path log = dir.resolve("service.log");
    ChildServer server = ChildServer.start(data, log, HEAP, SETTINGS);
    try {
      PingSender sender = new PingSender(mix, BATCH, server.port, SEND_LIMIT);
      sender.start(SENDERS);
      int kills = 0;
      for (double share : KILL_AFTER) {
        int batches = (int) (share * sender.batches());
        assertThat(sender.awaitBatches(batches)).as("%d batches acknowledged in time; problems: %s", batches, sender.problems()).isTrue();
        server.kill9();
        kills++;
        server = ChildServer.start(data, log, HEAP, SETTINGS);
        sender.moveTo(server.port);
        progress(startedMillis, "killed after " + batches + " of " + sender.batches() + " batches, restarted");
      }
      sender.join();
      progress(startedMillis, "every batch acknowledged, " + sender.attempts() + " requests");
      assertThat(sender.problems()).as("what the senders saw").isEmpty();
      assertThat(sender.acknowledged().cardinality()).as("valid pings acknowledged").isEqualTo(mix.unique());
      assertThat(sender.rejected()).as("invalid pings refused").isEqualTo(mix.invalid());
      assertThat(sender.accepted() + sender.duplicates()).isEqualTo((long) mix.unique() + mix.duplicates());
      assertThat(sender.accepted()).as("accepted at most once each").isLessThanOrEqualTo(mix.unique());

      Servers.awaitEventCounts(server.port, truth.countsByEvent(), CATCH_UP_LIMIT);
      progress(startedMillis, "/v1/events counts every ping");
      RollupCheck check = new RollupCheck(truth, startOfDay(startedMillis) - Duration.ofDays(4).toMillis(),
          startOfDay(startedMillis) + Duration.ofDays(1).toMillis());
      List<Question> questions = questions();
      for (Question q : questions) {
        check.check(server.port, q);
      }
      assertThat(check.mismatches()).as("%d mismatches in %d buckets; the first", check.mismatchCount(), check.buckets()).isEmpty();
      assertThat(check.distinctWithin2Percent()).as("share of estimated distinct counts within 2 %%").isGreaterThanOrEqualTo(0.95);
      assertThat(Servers.get(server.port, "/v1/rollups?event=search.executed&from=" + startedMillis + "&to=" + (startedMillis + 1)
          + "&step=1h&agg=count&group_by=dimension." + PingMix.UNDECLARED_DIMENSION).statusCode())
          .as("grouping by an undeclared dimension").isEqualTo(400);

      progress(startedMillis, questions.size() + " questions answered and checked");
      server.process.destroy(); // SIGTERM: the cold store commits what it holds
      assertThat(server.process.waitFor(60, TimeUnit.SECONDS)).as("graceful stop within 60 s").isTrue();
      ColdFiles cold = new ColdFiles(mix, startedMillis, System.currentTimeMillis());
      cold.readAll(data.resolve("cold"));
      assertThat(cold.problems()).as("%d problems in the cold rows; the first", cold.problemCount()).isEmpty();
      assertThat(cold.missing()).as("accepted pings missing from the cold store, e.g. %s", cold.someMissing()).isZero();
      assertThat(cold.storedTwice()).as("pings stored twice in the cold store").isZero();
      assertThat(cold.rows()).as("rows in the cold store").isEqualTo(mix.unique());

      System.out.printf("RollupsEndToEndIT: %d pings sent (%d distinct valid, %d re-sent, %d invalid) in %d requests; "
              + "accepted %d, duplicates %d, rejected %d; %d kills; %d questions, %d buckets checked, "
              + "%.1f %% of %d estimated distinct counts within 2 %%; %d cold rows in %d files; %d s%n",
          mix.unique() + mix.duplicates() + mix.invalid(), mix.unique(), mix.duplicates(), mix.invalid(), sender.attempts(),
          sender.accepted(), sender.duplicates(), sender.rejected(), kills, questions.size(), check.buckets(),
          100 * check.distinctWithin2Percent(), check.estimatedDistinctBuckets(), cold.rows(), cold.files(),
          (System.currentTimeMillis() - startedMillis) / 1000);
    } finally {
      server.close();
    }
  }

  /**
   * Per event, on one of its metrics (a latency, a sometimes-absent count or a signed value), at each
   * step: ungrouped, by version, by version and plan, and filtered by a deploy type or a region.
   */
  static List<Question> questions() {
    List<Question> questions = new ArrayList<>();
    for (int e = 0; e < PingMix.EVENTS.size(); e++) {
      String event = PingMix.EVENTS.get(e);
      List<String> metrics = PingMix.METRICS.get(e);
      String metric = metrics.get(e % metrics.size());
      for (Step step : Step.values()) {
        questions.add(new Question(event, step, metric, List.of(), null, null));
        questions.add(new Question(event, step, metric, List.of("version"), null, null));
        questions.add(new Question(event, step, metric, List.of("version", "dimension.plan"), null, null));
        questions.add(new Question(event, step, metric, List.of(), "deploy_type", PingMix.DEPLOY_TYPES.get(e % PingMix.DEPLOY_TYPES.size())));
        questions.add(new Question(event, step, metric, List.of(), "dimension.region", PingMix.REGIONS.get(e % PingMix.REGIONS.size())));
      }
    }
    return questions;
  }

  /** One line per phase: the run is long, and a failure should say how far it got. */
  private static void progress(long startedMillis, String what) {
    System.out.printf("RollupsEndToEndIT +%.1f s: %s%n", (System.currentTimeMillis() - startedMillis) / 1000.0, what);
  }

  static long startOfDay(long millis) {
    return Math.floorDiv(millis, Step.DAY.millis) * Step.DAY.millis;
  }
}
