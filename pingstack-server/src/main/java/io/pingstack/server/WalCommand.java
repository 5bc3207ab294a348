package io.pingstack.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pingstack.engine.ArrowFileColdStore;
import io.pingstack.model.Wal;
import io.pingstack.rollups.Rollups;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.WalLockedException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code bin/pingstack wal status|dump|verify}: the log of a stopped service, opened read-only
 * under its lock (so never while the service runs: {@code GET /admin/wal} is for that). Consumer
 * positions are the ones stored with their output: the rollups' snapshot and the Arrow cold store's
 * manifest; ClickHouse's are unknown offline.
 */
final class WalCommand {
  /** Exit codes. */
  static final int OK = 0;
  static final int BAD = 1;
  static final int USAGE = 2;
  static final int SERVICE_RUNNING = 3;

  static final String USAGE_TEXT = """
      usage: bin/pingstack wal status [--json]
             bin/pingstack wal dump [--from <position|time>] [--to <position|time>] [--limit <n>]
             bin/pingstack wal verify
      Reads the log of a stopped service (times: RFC 3339, e.g. 2026-11-21T10:00:00Z; both ends inclusive).
      Exit codes: 0 ok, 1 a record does not decode or the log cannot be read, 2 usage or configuration,
      3 the service is running (use GET /admin/wal).""";

  private WalCommand() {}

  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty() || !List.of("status", "dump", "verify").contains(args.get(0))) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    String command = args.get(0);
    Options options;
    try {
      options = Options.parse(command, args.subList(1, args.size()));
    } catch (IllegalArgumentException e) {
      err.println("pingstack wal " + command + ": " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    ServerConfig config;
    try {
      config = ServerConfig.load(env);
    } catch (ConfigException e) {
      err.println("pingstack wal: configuration error: " + e.getMessage());
      return USAGE;
    }
    try (Wal wal = ChronicleWal.openReadOnly(config.wal().dir())) {
      try {
        return switch (command) {
          case "status" -> status(wal, config, options.json(), out);
          case "dump" -> WalRecords.dump(wal, options.from(), options.to(), options.limit(), out);
          default -> WalRecords.verify(wal, out);
        };
      } catch (RuntimeException | InternalError e) {
        // A damaged record (InternalError: should Chronicle still follow a damaged length past a file's end).
        err.println("pingstack wal: cannot read the log in " + config.wal().dir() + ": " + e
            + "; bin/pingstack wal verify reads it up to the damage");
        return BAD;
      }
    } catch (WalLockedException e) {
      err.println("pingstack wal: the service is running: use GET /admin/wal (" + e.getMessage() + ")");
      return SERVICE_RUNNING;
    } catch (IllegalArgumentException | UncheckedIOException e) {
      err.println("pingstack wal: " + e.getMessage());
      return BAD;
    }
  }

  /** Command-line options; each command takes only its own. */
  record Options(boolean json, WalRecords.Bound from, WalRecords.Bound to, long limit) {
    static Options parse(String command, List<String> args) {
      boolean json = false;
      WalRecords.Bound from = null;
      WalRecords.Bound to = null;
      long limit = Long.MAX_VALUE;
      for (int i = 0; i < args.size(); i++) {
        String option = args.get(i);
        boolean dump = command.equals("dump");
        if (option.equals("--json") && command.equals("status")) {
          json = true;
          continue;
        }
        if (!dump || !List.of("--from", "--to", "--limit").contains(option)) {
          throw new IllegalArgumentException("unknown option " + option.replaceAll("[^A-Za-z0-9_-]", "?"));
        }
        if (i + 1 == args.size()) {
          throw new IllegalArgumentException(option + " needs a value");
        }
        String value = args.get(++i);
        switch (option) {
          case "--from" -> from = WalRecords.Bound.parse(option, value);
          case "--to" -> to = WalRecords.Bound.parse(option, value);
          default -> limit = limit(value);
        }
      }
      return new Options(json, from, to, limit);
    }

    private static long limit(String value) {
      try {
        long n = Long.parseLong(value);
        if (n >= 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // falls through
      }
      throw new IllegalArgumentException("--limit must be a whole number of records");
    }
  }

  private static int status(Wal wal, ServerConfig config, boolean json, PrintStream out) {
    WalReport report = WalReport.offline(wal, config.wal(), stored(config), Instant.now());
    if (json) {
      StringWriter text = new StringWriter();
      try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
        report.writeJson(g);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.println(text);
    } else {
      out.print(WalStatusText.render(report));
    }
    return OK;
  }

  /** The consumers' positions as stored with their output. */
  static List<WalReport.Stored> stored(ServerConfig config) {
    List<WalReport.Stored> stored = new ArrayList<>();
    if (config.clickhouse() == null) {
      stored.add(read("cold", "cold store manifest " + config.coldDir().resolve("manifest.json"),
          () -> ArrowFileColdStore.committedPositionIn(config.coldDir())));
    } else {
      stored.add(new WalReport.Stored("cold", null,
          "unknown offline: the ClickHouse cold store keeps its position in cold_inserts; use GET /admin/wal while the service runs"));
    }
    stored.add(read("rollups", "rollups snapshot " + config.rollups().snapshotDir().resolve("rollups.snapshot"),
        () -> Rollups.snapshotPositionIn(config.rollups().snapshotDir())));
    return stored;
  }

  private static WalReport.Stored read(String name, String source, LongSupplier position) {
    try {
      return new WalReport.Stored(name, position.getAsLong(), source);
    } catch (RuntimeException e) {
      return new WalReport.Stored(name, null, "unreadable " + source + ": " + e.getMessage());
    }
  }
}
