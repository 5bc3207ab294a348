package io.pingstack.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Command line entry of the load tools: {@code java -jar load-tests-*-all.jar [query | freshness |
 * describe] [options]}; without a command it loads {@code POST /v1/pings} (or gRPC ingest, or
 * ClickHouse's own insert of the same pings, by {@code --protocol}). Prints the summary; exits 0
 * when the run measured something (load: a ping acknowledged; query: every query answered 200 at
 * least once; freshness: every sample became visible), 1 when not, 2 on bad options. SIGTERM or
 * Ctrl-C interrupts the run, which then ends early and still prints and writes what it measured.
 */
public final class LoadMain {
  private static final long REPORT_GRACE_SECONDS = 60;

  private LoadMain() {}

  public static void main(String[] args) {
    Thread main = Thread.currentThread();
    CountDownLatch reported = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      main.interrupt();
      try {
        boolean unused = reported.await(REPORT_GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "load-report-on-exit"));
    int status;
    try {
      status = run(System.out, System.err, args);
    } finally {
      reported.countDown();
    }
    System.exit(status);
  }

  static int run(PrintStream out, PrintStream err, String... args) {
    String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "load";
    String[] options = command.equals("load") ? args : Arrays.copyOfRange(args, 1, args.length);
    String usage = switch (command) {
      case "query" -> QueryOptions.USAGE;
      case "freshness" -> FreshnessOptions.USAGE;
      default -> LoadOptions.USAGE;
    };
    if (options.length == 1 && ("--help".equals(options[0]) || "-h".equals(options[0]))) {
      out.println(usage);
      return 0;
    }
    try {
      return switch (command) {
        case "load" -> load(out, err, LoadOptions.parse(options));
        case "query" -> query(out, QueryOptions.parse(options));
        case "freshness" -> freshness(out, FreshnessOptions.parse(options));
        case "describe" -> describe(out, LoadOptions.parse(options).mix());
        default -> throw new IllegalArgumentException("unknown command: " + command);
      };
    } catch (IllegalArgumentException e) {
      err.println("load: " + e.getMessage());
      err.println(usage);
      return 2;
    }
  }

  private static int load(PrintStream out, PrintStream err, LoadOptions options) {
    Progress progress = Progress.onTerminal(err);
    LoadResult result = switch (options.protocol()) {
      case HTTP, CLICKHOUSE_JSON -> LoadGenerator.run(options, progress);
      case GRPC_UNARY, GRPC_STREAM -> GrpcLoadGenerator.run(options, progress);
    };
    out.print(result.summary());
    if (options.jsonOut() != null) {
      result.writeJson(options.jsonOut());
    }
    if (options.hgrmOut() != null) {
      result.writeHgrm(options.hgrmOut());
    }
    if (result.ledger() != null && result.ledger().failure() != null) {
      err.println("load: " + result.ledger().failure());
      return 1; // a ledger with holes would pass a correctness check it should fail
    }
    return result.pingsAcked() > 0 || result.pingsAckedInRun() > 0 ? 0 : 1;
  }

  private static int query(PrintStream out, QueryOptions options) {
    QueryResult result = QueryRunner.run(options);
    out.print(result.summary());
    if (options.jsonOut() != null) {
      result.writeJson(options.jsonOut());
    }
    return result.queries().stream().allMatch(q -> q.requests() > 0) ? 0 : 1;
  }

  private static int freshness(PrintStream out, FreshnessOptions options) {
    FreshnessResult result = FreshnessProbe.run(options);
    out.print(result.summary());
    if (options.jsonOut() != null) {
      result.writeJson(options.jsonOut());
    }
    return result.allVisible() ? 0 : 1;
  }

  /** The event mix as JSON: each event with its share, metrics and dimensions, and every dimension key. */
  private static int describe(PrintStream out, EventMix mix) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = new JsonFactory().createGenerator(text)) {
      json.useDefaultPrettyPrinter();
      json.writeStartObject();
      json.writeArrayFieldStart("events");
      for (int i = 0; i < mix.shapes().size(); i++) {
        EventMix.Shape shape = mix.shapes().get(i);
        json.writeStartObject();
        json.writeStringField("event", shape.name());
        json.writeNumberField("share", mix.share(i));
        json.writeArrayFieldStart("metrics");
        for (EventMix.Metric m : shape.metrics()) {
          json.writeString(m.name());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("dimensions");
        for (EventMix.Dimension d : shape.dimensions()) {
          json.writeString(d.key());
        }
        json.writeEndArray();
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeArrayFieldStart("dimension_keys");
      for (String key : mix.dimensionKeys()) {
        json.writeString(key);
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println(text);
    return 0;
  }
}
