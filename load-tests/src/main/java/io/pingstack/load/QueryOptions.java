package io.pingstack.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The settings of one query benchmark, validated: {@code queries} are GETs, each named, whose
 * paths are resolved under the base {@code url}'s path.
 */
record QueryOptions(
    URI url,
    Duration duration,
    Duration warmup,
    int connections,
    List<NamedQuery> queries,
    String token,
    Path jsonOut) {

  /** One query to time: {@code pathAndQuery} starts with a slash, e.g. {@code /v1/rollups?event=a&...}. */
  record NamedQuery(String name, String pathAndQuery) {}

  static final String USAGE = String.join("\n",
      "usage: LoadMain query --query NAME=PATH [--query NAME=PATH ...] [options]",
      "  --query NAME=PATH   a GET to time, e.g. 'hourly=/v1/rollups?event=a.b&from=...&to=...&step=1h&agg=count';",
      "                      repeatable; each connection cycles through all of them",
      "  --url URL           server base URL (default http://127.0.0.1:8080); paths go under its path",
      "  --connections C     keep-alive connections, each with one request in flight (default 2)",
      "  --duration S        measured seconds, decimals allowed (default 20)",
      "  --warmup S          seconds sent before measuring starts (default 5)",
      "  --token T           sends Authorization: Bearer T",
      "  --json-out FILE     also writes the results as JSON to FILE",
      "A non-200 answer counts as an error of its query, never as a latency sample.",
      "SIGTERM or Ctrl-C ends the run early; the results cover what was measured until then.");

  private static final Set<String> NAMES =
      Set.of("--url", "--duration", "--warmup", "--connections", "--query", "--token", "--json-out");

  QueryOptions {
    Args.requireRange("--connections", connections, 1, LoadOptions.MAX_CONNECTIONS);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive: " + duration);
    }
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must not be negative: " + warmup);
    }
    if (queries.isEmpty()) {
      throw new IllegalArgumentException("--query is required: give at least one NAME=PATH");
    }
    queries = List.copyOf(queries);
    Set<String> names = new HashSet<>();
    for (NamedQuery q : queries) {
      if (!names.add(q.name())) {
        throw new IllegalArgumentException("--query name " + q.name() + " given twice");
      }
    }
  }

  static QueryOptions parse(String... args) {
    Args a = Args.parse(args, NAMES, Set.of("--query"));
    List<NamedQuery> queries = new ArrayList<>();
    for (String text : a.all("--query")) {
      queries.add(namedQuery(text));
    }
    String jsonOut = a.string("--json-out", null);
    return new QueryOptions(a.url("--url", URI.create("http://127.0.0.1:8080")),
        a.seconds("--duration", Duration.ofSeconds(20)), a.seconds("--warmup", Duration.ofSeconds(5)),
        a.integer("--connections", 2), queries, a.string("--token", null), jsonOut == null ? null : Path.of(jsonOut));
  }

  /** The request target of {@code query}: its path under the base URL's path. */
  String target(NamedQuery query) {
    return Args.under(url, query.pathAndQuery());
  }

  private static NamedQuery namedQuery(String text) {
    int eq = text.indexOf('=');
    String name = eq < 0 ? "" : text.substring(0, eq).trim();
    String path = eq < 0 ? "" : text.substring(eq + 1).trim();
    if (!name.matches("[A-Za-z0-9_.-]{1,64}") || !path.startsWith("/") || path.contains(" ")) {
      throw new IllegalArgumentException(
          "--query must be NAME=PATH with a name of letters, digits, '_', '.' or '-' and a path starting with /: " + text);
    }
    return new NamedQuery(name, path);
  }
}
