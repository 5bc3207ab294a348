package io.pingstack.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code bin/pingstack replay}: a client of the running service's admin API, since a replay runs
 * inside the service beside live ingest. Reads the service's settings (same file and environment)
 * for its HTTP host, port and admin token, starts the replay ({@code POST /admin/replay}),
 * polls it every {@value #POLL_MILLIS} ms and shows its progress, prints what each target did.
 * Interrupted (Ctrl-C), it cancels the replay before it exits.
 */
final class ReplayCommand {
  /** Exit codes. */
  static final int DONE = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;

  static final long POLL_MILLIS = 500;
  static final long PLAIN_PROGRESS_MILLIS = 5000;
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String USAGE_TEXT = """
      usage: bin/pingstack replay --from <time|position> [--to <time|position>] --target rollups|cold|all
                                  [--dry-run] [--rebuild] [--config <file>]
      Replays the write-ahead log into the rollups, the cold store, or both (rollups, then cold), inside the
      running service beside live ingest. Positions are inclusive, [from, to]; times (RFC 3339, e.g.
      2026-11-21T10:00:00Z, by when each record was received) are half-open, [from, to). Without --to: up to
      the log's last record when the replay starts. --dry-run changes nothing and says what would change;
      --rebuild (cold store only) rewrites the range even where the store holds it. --config names the
      service's config file (else PINGSTACK_CONFIG). Ctrl-C cancels the replay.
      Exit codes: 0 done, 1 failed or refused, 2 usage or configuration, 3 the service is not reachable.""";

  private ReplayCommand() {}

  /** The command line's options. */
  record Options(WalRecords.Bound from, WalRecords.Bound to, String target, boolean dryRun, boolean rebuild, String config) {
    static Options parse(List<String> args) {
      WalRecords.Bound from = null;
      WalRecords.Bound to = null;
      String target = null;
      boolean dryRun = false;
      boolean rebuild = false;
      String config = null;
      for (int i = 0; i < args.size(); i++) {
        String option = args.get(i);
        switch (option) {
          case "--dry-run" -> dryRun = true;
          case "--rebuild" -> rebuild = true;
          case "--from", "--to", "--target", "--config" -> {
            if (i + 1 == args.size()) {
              throw new IllegalArgumentException(option + " needs a value");
            }
            String value = args.get(++i);
            switch (option) {
              case "--from" -> from = WalRecords.Bound.parse(option, value);
              case "--to" -> to = WalRecords.Bound.parse(option, value);
              case "--target" -> target = value;
              default -> config = value;
            }
          }
          default -> throw new IllegalArgumentException("unknown option " + option.replaceAll("[^A-Za-z0-9_-]", "?"));
        }
      }
      if (from == null) {
        throw new IllegalArgumentException("--from is required");
      }
      if (target == null || !ReplayRequest.TARGETS.contains(target)) {
        throw new IllegalArgumentException("--target is required: rollups, cold or all");
      }
      return new Options(from, to, target, dryRun, rebuild, config);
    }

    /** The body of {@code POST /admin/replay}. */
    String body() {
      ObjectNode body = JSON.createObjectNode();
      bound(body, "from", from);
      if (to != null) {
        bound(body, "to", to);
      }
      body.put("target", target).put("dry_run", dryRun).put("rebuild", rebuild);
      return body.toString();
    }

    private static void bound(ObjectNode body, String field, WalRecords.Bound bound) {
      if (bound.isTime()) {
        body.put(field, bound.time().toString());
      } else {
        body.put(field, bound.position());
      }
    }
  }

  /**
   * Runs the command; returns its exit code. {@code terminal}: redraw one progress line in place
   * (else print one every {@value #PLAIN_PROGRESS_MILLIS} ms). {@code shutdownHooks} gets the
   * thread that cancels the replay when the JVM is stopped before it ends.
   */
  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err, boolean terminal,
      Consumer<Thread> shutdownHooks) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("pingstack replay: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    Map<String, String> environment = new HashMap<>(env);
    if (options.config() != null) {
      environment.put(Settings.CONFIG_ENV, options.config());
    }
    Client client;
    try {
      client = client(Settings.load(environment));
    } catch (ConfigException e) {
      err.println("pingstack replay: configuration error: " + e.getMessage());
      return USAGE;
    }
    if (client == null) {
      err.println("pingstack replay: the HTTP port speaks TLS (tls.cert_file) and this command only cleartext HTTP:"
          + " use POST /admin/replay (see README.md)");
      return USAGE;
    }
    return new Run(client, options, out, err, terminal).start(shutdownHooks);
  }

  /**
   * The service's admin API as its settings describe it: the HTTP host and port, and the admin
   * token. Only those are read (not every secret file the service reads); null when the port speaks
   * TLS.
   */
  private static Client client(Settings settings) {
    if (!settings.string("tls.cert_file").isEmpty()) {
      return null;
    }
    URI base;
    try {
      base = URI.create("http://" + host(settings.string("http.host")) + ":" + settings.integer("http.port"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("http.host and http.port do not make a URL: " + e.getMessage());
    }
    return new Client(base, ServerConfig.secret("admin.token_file", settings.string("admin.token_file")));
  }

  /** Where the service listens, as seen from this machine: loopback when it binds every address. */
  static String host(String bound) {
    if (bound.isEmpty() || bound.equals("0.0.0.0") || bound.equals("::") || bound.equals("[::]")) {
      return "127.0.0.1";
    }
    return bound.contains(":") && !bound.startsWith("[") ? "[" + bound + "]" : bound;
  }

  /** The admin API over the JDK's HTTP client. */
  record Client(URI base, String token) {
    private static final HttpClient HTTP = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
      HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
          .timeout(Duration.ofSeconds(30))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  /** One replay followed from start to end. */
  private static final class Run {
    private final Client client;
    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile String id;

    Run(Client client, Options options, PrintStream out, PrintStream err, boolean terminal) {
      this.client = client;
      this.options = options;
      this.out = out;
      this.err = err;
      this.terminal = terminal;
    }

    int start(Consumer<Thread> shutdownHooks) {
      HttpResponse<String> started;
      try {
        started = client.send("POST", ReplayEndpoint.PATH, options.body());
      } catch (IOException e) {
        return unreachable(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return FAILED;
      }
      JsonNode job;
      try {
        if (started.statusCode() != 202) {
          return refused(started);
        }
        job = JSON.readTree(started.body());
      } catch (IOException e) {
        err.println("pingstack replay: the service answered " + started.statusCode() + " with something that is not JSON");
        return FAILED;
      }
      id = job.path("id").asText();
      shutdownHooks.accept(new Thread(this::cancelOnExit, "replay-cancel"));
      out.printf(Locale.ROOT, "replay %s started: %s, positions %d to %d (%d records)%s%n", id, targets(job),
          job.path("from").asLong(), job.path("to").asLong(), job.path("range_records").asLong(),
          options.dryRun() ? ", dry run: nothing changes" : "");
      out.flush();
      try {
        return follow(job);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return FAILED;
      }
    }

    private int follow(JsonNode job) throws InterruptedException {
      long lastLine = 0;
      int drawn = 0;
      boolean first = true;
      while (true) {
        boolean running = "running".equals(job.path("state").asText());
        long now = System.nanoTime();
        if (terminal) {
          String line = ReplayProgressText.line(job, true);
          out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
          drawn = line.length();
          if (!running) {
            out.println();
          }
          out.flush();
        } else if (first || !running || now - lastLine >= TimeUnit.MILLISECONDS.toNanos(PLAIN_PROGRESS_MILLIS)) {
          out.println("replay " + id + ": " + ReplayProgressText.line(job, false));
          out.flush();
          lastLine = now;
        }
        first = false;
        if (!running) {
          return report(job);
        }
        TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        HttpResponse<String> response;
        try {
          response = client.send("GET", ReplayEndpoint.JOB_PATH + id, null);
        } catch (IOException e) {
          if (terminal) {
            out.println();
          }
          ended.set(true);
          err.println("pingstack replay: the service stopped answering (" + e + "); replay " + id
              + " ended with it: run the same replay again once it is back");
          return UNREACHABLE;
        }
        if (response.statusCode() != 200) {
          ended.set(true);
          err.println("pingstack replay: GET " + ReplayEndpoint.JOB_PATH + id + " answered " + response.statusCode() + ": "
              + message(response.body()) + " (did the service restart?)");
          return FAILED;
        }
        try {
          job = JSON.readTree(response.body());
        } catch (IOException e) {
          ended.set(true);
          err.println("pingstack replay: the service answered something that is not JSON");
          return FAILED;
        }
      }
    }

    private int report(JsonNode job) {
      ended.set(true);
      for (JsonNode outcome : job.path("outcomes")) {
        StringBuilder counts = new StringBuilder();
        outcome.path("counts").properties().forEach(c ->
            counts.append(counts.length() == 0 ? "" : ", ").append(c.getKey()).append(' ').append(c.getValue().asText()));
        out.printf(Locale.ROOT, "  %s: %s%s%n", outcome.path("target").asText(), outcome.path("summary").asText(),
            counts.length() == 0 ? "" : " (" + counts + ")");
      }
      String totals = String.format(Locale.ROOT, "%d records, %d pings in %.1f s (%.0f pings/s)", job.path("records").asLong(),
          job.path("pings").asLong(), job.path("elapsed_seconds").asDouble(), job.path("rate").asDouble());
      if ("done".equals(job.path("state").asText())) {
        out.println("replay " + id + " done" + (options.dryRun() ? " (dry run: nothing changed)" : "") + ": " + totals);
        out.flush();
        return DONE;
      }
      out.flush();
      err.println("pingstack replay: replay " + id + " failed after " + totals + ": " + job.path("error").asText());
      return FAILED;
    }

    /** On Ctrl-C (or SIGTERM) before the replay ended: cancel it, and wait a little for it to stop. */
    private void cancelOnExit() {
      if (ended.get() || id == null) {
        return;
      }
      try {
        client.send("DELETE", ReplayEndpoint.JOB_PATH + id, null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String state = "running";
        while (state.equals("running") && System.nanoTime() < deadline) {
          state = JSON.readTree(client.send("GET", ReplayEndpoint.JOB_PATH + id, null).body()).path("state").asText();
          if (state.equals("running")) {
            TimeUnit.MILLISECONDS.sleep(100);
          }
        }
        err.println((terminal ? "\n" : "") + "pingstack replay: interrupted: replay " + id
            + (state.equals("running") ? " was asked to stop" : " is cancelled (" + state + ")"));
      } catch (IOException e) {
        err.println("pingstack replay: interrupted, and could not cancel replay " + id + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private int unreachable(IOException e) {
      err.println("pingstack replay: the service is not reachable at " + client.base() + " (" + e
          + "): start it (bin/pingstack run); a replay runs inside the service");
      return UNREACHABLE;
    }

    private int refused(HttpResponse<String> response) {
      err.println("pingstack replay: refused (" + response.statusCode() + "): " + message(response.body()));
      if (response.statusCode() == 401) {
        err.println("pingstack replay: the admin token is admin.token_file's first line; is it the service's file?");
      }
      return response.statusCode() == 400 ? USAGE : FAILED;
    }
  }

  private static String targets(JsonNode job) {
    return switch (job.path("target").asText()) {
      case "all" -> "into the rollups, then the cold store";
      case "rollups" -> "into the rollups";
      default -> "into the cold store";
    };
  }

  /** An API error's message (and code), or the body's start. */
  static String message(String body) {
    try {
      JsonNode error = JSON.readTree(body).path("error");
      if (error.isObject()) {
        return error.path("message").asText() + " [" + error.path("code").asText() + "]";
      }
    } catch (IOException e) {
      // not JSON: shown as it is, shortened
    }
    return body.length() > 200 ? body.substring(0, 200) + "..." : body;
  }
}
