package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pingstack.engine.ReplayTarget;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import io.pingstack.wal.FileSync;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API.md section 4's replay over real sockets against the running service, behind its admin token;
 * and {@code bin/pingstack replay} (its {@code Main} in a child JVM) as the client of it.
 */
class ReplayIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String TOKEN = "r3play-t0ken";
  private static final Pattern STARTED = Pattern.compile("replay ([0-9a-f]{8}) started");

  @TempDir Path dir;

  /** The service's environment: an admin token, and a replay speed cap of {@code cap} pings per second. */
  Map<String, String> env(long cap) throws Exception {
    Path token = dir.resolve("admin-token");
    Files.writeString(token, TOKEN + "\n");
    return Servers.env(dir.resolve("data"),
        "PINGSTACK_ADMIN_TOKEN_FILE", token.toString(),
        "PINGSTACK_REPLAY_MAX_PINGS_PER_SECOND", Long.toString(cap));
  }

  /** Stand-ins for both targets, reading their range through the service's own replay log. */
  static PingstackServer withStandIns(Map<String, String> env) {
    return PingstackServer.start(ServerConfig.load(env), FileSync.FORCE,
        List.of(FakeReplayTarget.reading("rollups"), FakeReplayTarget.reading("cold")));
  }

  static HttpResponse<String> call(int port, String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return Servers.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> admin(int port, String method, String path, String body) throws Exception {
    return call(port, method, path, body, TOKEN);
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  static String errorCode(HttpResponse<String> response) throws Exception {
    return json(response).at("/error/code").asText();
  }

  /** Sends {@code requests} requests of {@code pings} pings each; returns the log's first and last position. */
  static long[] ingest(int port, int requests, int pings) throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (int r = 0; r < requests; r++) {
      Ping[] batch = new Ping[pings];
      for (int i = 0; i < pings; i++) {
        batch[i] = TestPings.ping("inst-" + i % 3, "p-" + r + "-" + i).at(now).build();
      }
      assertThat(Servers.post(port, "application/json", TestPings.jsonBody(batch)).statusCode()).isEqualTo(200);
    }
    JsonNode wal = json(admin(port, "GET", "/admin/wal", null));
    return new long[] {wal.get("first_position").asLong(), wal.get("last_position").asLong()};
  }

  /** Polls the replay until it is no longer running. */
  static JsonNode awaitEnd(int port, String id) throws Exception {
    return awaitEnd(port, id, Duration.ofSeconds(60));
  }

  static JsonNode awaitEnd(int port, String id, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      HttpResponse<String> response = admin(port, "GET", "/admin/replay/" + id, null);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode job = json(response);
      if (!job.get("state").asText().equals("running")) {
        return job;
      }
      assertThat(System.nanoTime() - deadline).as("replay %s still running after %s: %s", id, limit, job).isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  @Test
  void aReplayIsStartedFollowedListedAndRefusedOverHttpBehindTheAdminToken() throws Exception {
    try (PingstackServer server = withStandIns(env(0))) {
      int port = server.httpPort();
      long[] log = ingest(port, 3, 4);
      String all = "{\"from\": " + log[0] + ", \"target\": \"all\", \"dry_run\": true}";

      HttpResponse<String> anonymous = call(port, "POST", "/admin/replay", all, null);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(errorCode(anonymous)).isEqualTo("unauthorized");
      assertThat(call(port, "POST", "/admin/replay", all, "not-the-token").statusCode()).isEqualTo(401);
      assertThat(call(port, "GET", "/admin/replay", null, null).statusCode()).isEqualTo(401);
      assertThat(call(port, "GET", "/admin/replay/00000000", null, null).statusCode()).isEqualTo(401);
      assertThat(call(port, "DELETE", "/admin/replay/00000000", null, null).statusCode()).isEqualTo(401);

      HttpResponse<String> started = admin(port, "POST", "/admin/replay", all);
      assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
      assertThat(started.headers().firstValue("Content-Type")).hasValue("application/json");
      String id = json(started).get("id").asText();
      assertThat(id).matches("[0-9a-f]{8}");

      JsonNode done = awaitEnd(port, id);
      assertThat(done.get("id").asText()).isEqualTo(id);
      assertThat(done.get("state").asText()).isEqualTo("done");
      assertThat(done.get("error").isNull()).isTrue();
      assertThat(done.get("records").asLong()).as("3 records, once per target").isEqualTo(6);
      assertThat(done.get("pings").asLong()).isEqualTo(24);
      assertThat(done.get("rate").asDouble()).isPositive();
      assertThat(done.get("target").asText()).isEqualTo("all");
      assertThat(done.get("from").asLong()).isEqualTo(log[0]);
      assertThat(done.get("to").asLong()).as("to left out: the last record at the start").isEqualTo(log[1]);
      assertThat(done.get("dry_run").asBoolean()).isTrue();
      assertThat(done.get("rebuild").asBoolean()).isFalse();
      assertThat(done.get("planned_records").asLong()).isEqualTo(6);
      assertThat(done.get("eta_seconds").asDouble()).isZero();
      assertThat(Instant.parse(done.get("started_at").asText())).isBeforeOrEqualTo(Instant.parse(done.get("finished_at").asText()));
      assertThat(done.get("outcomes")).extracting(o -> o.get("target").asText()).containsExactly("rollups", "cold");
      assertThat(done.at("/outcomes/1/counts/pings_read").asLong()).isEqualTo(12);
      assertThat(done.at("/outcomes/1/summary").asText()).isEqualTo("would rewrite 12 pings");

      JsonNode list = json(admin(port, "GET", "/admin/replay", null));
      assertThat(list.get("replays")).extracting(r -> r.get("id").asText()).containsExactly(id);
      assertThat(list.get("targets")).extracting(JsonNode::asText).containsExactly("rollups", "cold");
      assertThat(json(admin(port, "GET", "/admin/wal", null)).at("/retention/pins"))
          .as("the replay's pin is released").extracting(p -> p.get("kind").asText()).containsOnly("consumer");

      HttpResponse<String> unknown = admin(port, "GET", "/admin/replay/ffffffff", null);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(errorCode(unknown)).isEqualTo("not_found");
      assertThat(admin(port, "DELETE", "/admin/replay/ffffffff", null).statusCode()).isEqualTo(404);
      assertThat(admin(port, "GET", "/admin/replay/not-an-id", null).statusCode()).isEqualTo(404);
      assertThat(admin(port, "DELETE", "/admin/replay/" + id, null).statusCode()).as("a finished replay stays as it is").isEqualTo(200);
      assertThat(admin(port, "PUT", "/admin/replay", "{}").statusCode()).isEqualTo(405);

      HttpResponse<String> gone = admin(port, "POST", "/admin/replay", "{\"from\": " + (log[0] - 1) + ", \"target\": \"cold\"}");
      assertThat(gone.statusCode()).isEqualTo(410);
      assertThat(errorCode(gone)).isEqualTo("range_not_in_log");
      assertThat(json(gone).at("/error/message").asText()).contains("oldest record is position " + log[0]);
      HttpResponse<String> goneByTime = admin(port, "POST", "/admin/replay", "{\"from\": \"2020-01-01T00:00:00Z\", \"target\": \"cold\"}");
      assertThat(goneByTime.statusCode()).isEqualTo(410);
      assertThat(json(goneByTime).at("/error/message").asText()).contains("position " + log[0], ", received 20");

      HttpResponse<String> invalid = admin(port, "POST", "/admin/replay", "{\"from\": " + log[0] + ", \"target\": \"hot\"}");
      assertThat(invalid.statusCode()).isEqualTo(400);
      assertThat(errorCode(invalid)).isEqualTo("invalid_replay");
      assertThat(json(invalid).at("/error/message").asText()).contains("target");
      HttpResponse<String> backwards = admin(port, "POST", "/admin/replay",
          "{\"from\": " + log[1] + ", \"to\": " + log[0] + ", \"target\": \"cold\"}");
      assertThat(backwards.statusCode()).isEqualTo(400);
      assertThat(json(backwards).at("/error/message").asText()).isEqualTo("from is after to");
      HttpResponse<String> empty = admin(port, "POST", "/admin/replay", "{\"from\": " + (log[1] + 1) + ", \"target\": \"cold\"}");
      assertThat(empty.statusCode()).isEqualTo(400);
      assertThat(errorCode(empty)).isEqualTo("empty_range");

      String metrics = Servers.get(port, "/metrics").body();
      assertThat(metrics).contains("pingstack_replays_total{state=\"done\"} 1.0", "pingstack_replay_records_total 6.0",
          "pingstack_replay_pings_total 24.0", "pingstack_replay_running 0.0");
    }
  }

  @Test
  void aSecondReplayWhileOneRunsIsRefusedNamingItAndDeleteCancelsIt() throws Exception {
    try (PingstackServer server = withStandIns(env(10))) {
      int port = server.httpPort();
      long[] log = ingest(port, 5, 20); // 200 pings at 10 pings/s: the replay runs long enough to be cancelled
      HttpResponse<String> started = admin(port, "POST", "/admin/replay", "{\"from\": " + log[0] + ", \"target\": \"all\"}");
      assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
      String id = json(started).get("id").asText();

      HttpResponse<String> second = admin(port, "POST", "/admin/replay", "{\"from\": " + log[0] + ", \"target\": \"cold\"}");
      assertThat(second.statusCode()).isEqualTo(409);
      assertThat(errorCode(second)).isEqualTo("replay_running");
      assertThat(json(second).at("/error/message").asText()).contains(id);
      assertThat(Servers.get(port, "/metrics").body()).contains("pingstack_replay_running 1.0");
      assertThat(json(admin(port, "GET", "/admin/wal", null)).at("/retention/pins"))
          .extracting(p -> p.get("name").asText()).contains("replay-" + id + "-1");

      HttpResponse<String> cancel = admin(port, "DELETE", "/admin/replay/" + id, null);
      assertThat(cancel.statusCode()).isIn(200, 202);
      assertThat(json(cancel).get("cancel_requested").asBoolean()).isTrue();
      JsonNode cancelled = awaitEnd(port, id);
      assertThat(cancelled.get("state").asText()).isEqualTo("failed");
      assertThat(cancelled.get("error").asText()).isEqualTo("the replay was cancelled");
      assertThat(cancelled.get("records").asLong()).isLessThan(10);
      assertThat(Servers.get(port, "/metrics").body()).contains("pingstack_replays_total{state=\"failed\"} 1.0");
    }
  }

  /** Without stand-ins the service replays into its own rollups and cold store: a dry run into each is done. */
  @Test
  void aDryRunIntoTheServicesOwnTargetsIsDone() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(0)))) {
      int port = server.httpPort();
      long[] log = ingest(port, 2, 3);
      for (String target : List.of("rollups", "cold")) {
        HttpResponse<String> response = admin(port, "POST", "/admin/replay",
            "{\"from\": " + log[0] + ", \"target\": \"" + target + "\", \"dry_run\": true}");
        assertThat(response.statusCode()).as(target + ": " + response.body()).isEqualTo(202);
        JsonNode end = awaitEnd(port, json(response).get("id").asText());
        assertThat(end.get("state").asText()).as(target + ": " + end).isEqualTo("done");
        assertThat(end.at("/outcomes/0/target").asText()).isEqualTo(target);
        assertThat(end.at("/outcomes/0/summary").asText()).as(target + ": " + end).containsIgnoringCase("dry run");
      }
    }
  }

  /** What one {@code bin/pingstack replay} printed and returned. */
  record Cli(int exit, String out, String err) {}

  /** Starts {@code Main replay <args>} in a child JVM with the service's environment (its real HTTP port). */
  Process startCli(Map<String, String> env, int port, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("@" + System.getProperty("pingstack.jvm.options"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.add("replay");
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("PINGSTACK_"));
    builder.environment().putAll(env);
    builder.environment().put("PINGSTACK_HTTP_PORT", Integer.toString(port));
    Process process = builder.start();
    outputs.put(process, new Path[] {out, err});
    return process;
  }

  private final Map<Process, Path[]> outputs = new java.util.concurrent.ConcurrentHashMap<>();

  Cli finish(Process process) throws Exception {
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the command ended").isTrue();
    Path[] files = outputs.get(process);
    return new Cli(process.exitValue(), Files.readString(files[0], StandardCharsets.UTF_8), Files.readString(files[1], StandardCharsets.UTF_8));
  }

  Cli cli(Map<String, String> env, int port, String... args) throws Exception {
    return finish(startCli(env, port, args));
  }

  @Test
  void theCommandLineStartsAReplayInTheServiceShowsItsProgressAndExitsWithItsEnd() throws Exception {
    Map<String, String> env = env(0);
    Cli notRunning = cli(env, ChildServer.freePort(), "--from", "1", "--target", "cold", "--dry-run");
    assertThat(notRunning.exit()).as(notRunning.err()).isEqualTo(ReplayCommand.UNREACHABLE);
    assertThat(notRunning.err()).contains("the service is not reachable", "start it", "a replay runs inside the service");

    try (PingstackServer server = withStandIns(env)) {
      int port = server.httpPort();
      long[] log = ingest(port, 3, 4);

      Cli usage = cli(env, port, "--from", Long.toString(log[0]));
      assertThat(usage.exit()).isEqualTo(ReplayCommand.USAGE);
      assertThat(usage.err()).contains("--target is required", "usage: bin/pingstack replay");
      assertThat(json(admin(port, "GET", "/admin/replay", null)).get("replays")).as("nothing was started").isEmpty();

      Cli done = cli(env, port, "--from", Long.toString(log[0]), "--target", "all", "--dry-run");
      assertThat(done.exit()).as(done.out() + done.err()).isEqualTo(ReplayCommand.DONE);
      assertThat(done.out())
          .containsPattern("replay [0-9a-f]{8} started: into the rollups, then the cold store, positions " + log[0] + " to " + log[1]
              + " \\(3 records\\), dry run")
          .containsPattern("replay [0-9a-f]{8}: +\\d+%  \\d+/6 records  \\d+ pings  \\d+ pings/s")
          .contains("  rollups: would rewrite 12 pings (records_read 3, pings_read 12)")
          .contains("  cold: would rewrite 12 pings")
          .containsPattern("replay [0-9a-f]{8} done \\(dry run: nothing changed\\): 6 records, 24 pings in ");

      Cli gone = cli(env, port, "--from", Long.toString(log[0] - 1), "--target", "cold");
      assertThat(gone.exit()).isEqualTo(ReplayCommand.FAILED);
      assertThat(gone.err()).contains("refused (410)", "oldest record is position " + log[0], "[range_not_in_log]");

      Cli empty = cli(env, port, "--from", Long.toString(log[1] + 1), "--target", "cold");
      assertThat(empty.exit()).as("the range describes nothing: a usage error").isEqualTo(ReplayCommand.USAGE);
    }
  }

  /** Ctrl-C runs the command's shutdown hook; SIGTERM runs the same one and is what a test can send everywhere. */
  @Test
  void stoppingTheCommandCancelsItsReplay() throws Exception {
    Map<String, String> env = env(10);
    try (PingstackServer server = withStandIns(env)) {
      int port = server.httpPort();
      long[] log = ingest(port, 5, 20); // 200 pings at 10 pings/s
      Process cli = startCli(env, port, "--from", Long.toString(log[0]), "--target", "all");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      Matcher started = STARTED.matcher("");
      while (!started.reset(Files.readString(outputs.get(cli)[0], StandardCharsets.UTF_8)).find()) {
        assertThat(cli.isAlive()).as("the command runs until its replay ends").isTrue();
        assertThat(System.nanoTime()).as("the command said it started a replay within 60 s").isLessThan(deadline);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      String id = started.group(1);
      assertThat(json(admin(port, "GET", "/admin/replay/" + id, null)).get("state").asText()).isEqualTo("running");
      cli.destroy();
      Cli stopped = finish(cli);
      assertThat(stopped.err()).contains("interrupted: replay " + id + " is cancelled (failed)");
      JsonNode job = json(admin(port, "GET", "/admin/replay/" + id, null));
      assertThat(job.get("state").asText()).isEqualTo("failed");
      assertThat(job.get("error").asText()).isEqualTo("the replay was cancelled");
    }
  }
}
