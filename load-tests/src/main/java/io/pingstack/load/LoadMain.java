package io.pingstack.load;

import java.io.PrintStream;

/**
 * Command line entry of the load generator: {@code java -jar load-tests-*-all.jar --batch 100
 * --connections 8 --duration 20 --warmup 5}. Prints the summary; exits 0 when at least one ping was
 * acknowledged, 1 when none was, 2 on bad options.
 */
public final class LoadMain {
  private LoadMain() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(System.out, System.err, args));
  }

  static int run(PrintStream out, PrintStream err, String... args) throws InterruptedException {
    LoadOptions options;
    try {
      if (args.length == 1 && ("--help".equals(args[0]) || "-h".equals(args[0]))) {
        out.println(LoadOptions.USAGE);
        return 0;
      }
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("load: " + e.getMessage());
      err.println(LoadOptions.USAGE);
      return 2;
    }
    LoadResult result = LoadGenerator.run(options);
    out.print(result.summary());
    if (options.jsonOut() != null) {
      result.writeJson(options.jsonOut());
    }
    return result.pingsAcked() > 0 ? 0 : 1;
  }
}
