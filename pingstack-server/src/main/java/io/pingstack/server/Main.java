package io.pingstack.server;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code bin/pingstack <command>}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    String command = args.length == 0 ? "help" : args[0];
    switch (command) {
      case "run" -> run();
      case "wal" -> wal(args);
      case "replay" -> replay(args);
      case "help", "--help", "-h" -> help(System.out);
      default -> {
        System.err.println("unknown command: " + command.replaceAll("[^A-Za-z0-9_-]", "?"));
        help(System.err);
        System.exit(2);
      }
    }
  }

  private static void help(PrintStream out) {
    out.println("""
        usage: bin/pingstack <command>

        commands:
          run            start the service (ingest, rollups, cold store, queries, metrics) on the embedded default
          wal status     the log of a stopped service: files, positions and times, bytes, each consumer's
                         stored position and lag, retention pins (--json for GET /admin/wal's JSON)
          wal dump       its records as JSON lines: [--from <position|time>] [--to <position|time>] [--limit <n>]
          wal verify     read every record and check it decodes; exit 1 and the first bad position if one does not
          replay         replay the log into the rollups, the cold store or both, inside the running service:
                         --from <time|position> [--to <time|position>] --target rollups|cold|all [--dry-run] [--rebuild]
          help           this text

        The wal commands need the service stopped (they take the log's lock); while it runs, use GET /admin/wal.
        replay needs it running: it asks the service (POST /admin/replay) and follows the replay's progress.

        Configuration: a properties file named by PINGSTACK_CONFIG, overridden by PINGSTACK_* environment
        variables (wal.dir is PINGSTACK_WAL_DIR). See README.md for every setting.""");
  }

  private static void wal(String[] args) {
    // The commands' output is for people and pipes: the libraries' start-up chatter stays out of it.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
        StandardCharsets.UTF_8);
    int exit = WalCommand.run(List.of(args).subList(1, args.length), System.getenv(), out, System.err);
    out.flush();
    System.exit(exit);
  }

  private static void replay(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int exit = ReplayCommand.run(List.of(args).subList(1, args.length), System.getenv(), System.out, System.err,
        System.console() != null, Runtime.getRuntime()::addShutdownHook);
    System.exit(exit);
  }

  private static void run() {
    PingstackServer server;
    try {
      server = PingstackServer.start(ServerConfig.load(System.getenv()));
    } catch (ConfigException e) {
      System.err.println("pingstack: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "pingstack-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
