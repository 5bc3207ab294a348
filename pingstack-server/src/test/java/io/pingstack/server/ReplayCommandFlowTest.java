package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/pingstack replay} against a scripted admin API: what it shows, what it returns, what Ctrl-C does. */
class ReplayCommandFlowTest {
  private static final String ID = "0a1b2c3d";

  @TempDir Path dir;
  private HttpServer api;
  /** The answers to successive GETs of the replay; the last one repeats. */
  private final BlockingQueue<String> states = new LinkedBlockingQueue<>();
  private volatile String lastState;
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  static String job(String state, long records, String extra) {
    return "{\"id\": \"" + ID + "\", \"state\": \"" + state + "\", \"records\": " + records + ", \"pings\": " + records * 10
        + ", \"rate\": 100.0, \"error\": null, \"target\": \"all\", \"from\": 5, \"to\": 8, \"range_records\": 4,"
        + " \"planned_records\": 8, \"eta_seconds\": 2.0, \"elapsed_seconds\": 0.8, \"outcomes\": []" + extra + "}";
  }

  @BeforeEach
  void startApi() throws IOException {
    api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext("/admin/replay", exchange -> {
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
          + exchange.getRequestHeaders().getFirst("Authorization"));
      switch (exchange.getRequestMethod()) {
        case "POST" -> answer(exchange, 202, job("running", 0, ""));
        case "DELETE" -> {
          lastState = job("failed", 3, "").replace("\"error\": null", "\"error\": \"the replay was cancelled\"");
          states.clear();
          answer(exchange, 202, job("running", 3, ""));
        }
        default -> {
          String next = states.poll();
          if (next != null) {
            lastState = next;
          }
          answer(exchange, 200, lastState);
        }
      }
    });
    api.start();
  }

  @AfterEach
  void stopApi() {
    api.stop(0);
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private Map<String, String> env() throws IOException {
    Path token = dir.resolve("admin-token");
    Files.writeString(token, "t0k\n");
    return Servers.env(dir, "PINGSTACK_HTTP_PORT", Integer.toString(api.getAddress().getPort()),
        "PINGSTACK_ADMIN_TOKEN_FILE", token.toString());
  }

  private int run(boolean terminal, List<Thread> hooks) throws IOException {
    return ReplayCommand.run(List.of("--from", "5", "--target", "all"), env(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), terminal, hooks::add);
  }

  /** As the JVM runs its shutdown hooks: each started, then waited for. */
  private static void runHooks(List<Thread> hooks) throws InterruptedException {
    for (Thread hook : hooks) {
      hook.start();
      hook.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  @Test
  void onATerminalOneLineIsRedrawnThenTheOutcomesArePrinted() throws Exception {
    states.add(job("running", 4, ""));
    states.add(job("done", 8, ", \"outcomes\": [{\"target\": \"rollups\", \"counts\": {\"cells_rebuilt\": 12}, \"summary\": \"rebuilt 12 cells\"},"
        + " {\"target\": \"cold\", \"counts\": {}, \"summary\": \"nothing was missing\"}]"));
    int exit = run(true, new ArrayList<>());
    String shown = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(ReplayCommand.DONE);
    assertThat(shown)
        .contains("replay " + ID + " started: into the rollups, then the cold store, positions 5 to 8 (4 records)")
        .contains("\r[------------------------]   0%  0/8 records")
        .contains("\r[############------------]  50%  4/8 records  40 pings  100 pings/s  ETA 2s")
        .contains("\r[########################] 100%  8/8 records  80 pings  100 pings/s")
        .contains("  rollups: rebuilt 12 cells (cells_rebuilt 12)\n  cold: nothing was missing\n")
        .contains("replay " + ID + " done: 8 records, 80 pings in 0.8 s (100 pings/s)");
    assertThat(requests).first().isEqualTo("POST /admin/replay Bearer t0k");
    assertThat(requests).contains("GET /admin/replay/" + ID + " Bearer t0k");
  }

  @Test
  void aFailedReplayExitsWith1AndItsError() throws Exception {
    states.add(job("failed", 2, "").replace("\"error\": null", "\"error\": \"cannot write day 2026-11-21: disk full\""));
    int exit = run(false, new ArrayList<>());
    assertThat(exit).isEqualTo(ReplayCommand.FAILED);
    assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("replay " + ID + ": +0%  0/8 records");
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("replay " + ID + " failed after 2 records, 20 pings", "cannot write day 2026-11-21: disk full");
  }

  @Test
  void aRefusalIsShownWithItsCode() throws Exception {
    api.removeContext("/admin/replay");
    api.createContext("/admin/replay", exchange -> answer(exchange, 409,
        "{\"error\": {\"code\": \"replay_running\", \"message\": \"replay 99999999 is running (one runs at a time)\"}}"));
    assertThat(run(false, new ArrayList<>())).isEqualTo(ReplayCommand.FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("refused (409): replay 99999999 is running (one runs at a time) [replay_running]");
  }

  @Test
  void interruptedItCancelsTheReplayBeforeItExits() throws Exception {
    states.add(job("running", 3, ""));
    List<Thread> hooks = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
      try {
        return run(false, hooks);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!requests.contains("GET /admin/replay/" + ID + " Bearer t0k")) {
      assertThat(System.nanoTime()).as("the command follows the replay").isLessThan(deadline);
      Thread.onSpinWait();
    }
    assertThat(hooks).hasSize(1);
    runHooks(hooks); // what the JVM does on Ctrl-C
    assertThat(requests).contains("DELETE /admin/replay/" + ID + " Bearer t0k");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("interrupted: replay " + ID + " is cancelled (failed)");
    assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(ReplayCommand.FAILED);
  }

  @Test
  void aReplayThatEndedNormallyIsNotCancelledOnExit() throws Exception {
    states.add(job("done", 8, ""));
    List<Thread> hooks = new ArrayList<>();
    assertThat(run(false, hooks)).isEqualTo(ReplayCommand.DONE);
    runHooks(hooks);
    assertThat(requests).noneMatch(r -> r.startsWith("DELETE"));
  }
}
