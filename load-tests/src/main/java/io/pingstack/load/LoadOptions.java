package io.pingstack.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The settings of one load run, validated. {@code url} is the server's base URL; requests go to
 * {@code <url>/v1/pings}.
 */
record LoadOptions(
    URI url,
    int batch,
    int connections,
    Duration duration,
    Duration warmup,
    int instances,
    long seed,
    String token,
    Path jsonOut) {

  static final String USAGE = String.join("\n",
      "usage: LoadMain [options]",
      "  --url URL           server base URL (default http://127.0.0.1:8080); requests go to <URL>/v1/pings",
      "  --batch N           pings per request, 1-10000 (default 100)",
      "  --connections C     keep-alive connections, each with one request in flight (default 8)",
      "  --duration S        measured seconds, decimals allowed (default 20)",
      "  --warmup S          seconds sent before measuring starts (default 5)",
      "  --instances N       distinct instance ids the pings come from (default 1000)",
      "  --seed N            seed for instances, events and metric values (default 1); ping ids are always fresh",
      "  --token T           sends Authorization: Bearer T",
      "  --json-out FILE     also writes the summary as JSON to FILE",
      "  --help              prints this text");

  static final int MAX_BATCH = 10_000;
  static final int MAX_CONNECTIONS = 10_000;

  LoadOptions {
    if (!"http".equals(url.getScheme()) || url.getHost() == null) {
      throw new IllegalArgumentException("--url must be an http:// URL with a host: " + url);
    }
    requireRange("--batch", batch, 1, MAX_BATCH);
    requireRange("--connections", connections, 1, MAX_CONNECTIONS);
    requireRange("--instances", instances, 1, Integer.MAX_VALUE);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive: " + duration);
    }
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must not be negative: " + warmup);
    }
  }

  /** The defaults, as listed in {@link #USAGE}. */
  static LoadOptions defaults() {
    return new LoadOptions(URI.create("http://127.0.0.1:8080"), 100, 8, Duration.ofSeconds(20),
        Duration.ofSeconds(5), 1000, 1, null, null);
  }

  /** Parses {@code --name value} and {@code --name=value} pairs; unknown or repeated names are errors. */
  static LoadOptions parse(String... args) {
    LoadOptions o = defaults();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + arg);
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException(name + " needs a value");
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException(name + " given twice");
      }
      o = o.with(name, value);
    }
    return o;
  }

  private LoadOptions with(String name, String value) {
    return switch (name) {
      case "--url" -> new LoadOptions(parseUrl(value), batch, connections, duration, warmup, instances, seed, token, jsonOut);
      case "--batch" -> new LoadOptions(url, parseInt(name, value), connections, duration, warmup, instances, seed, token, jsonOut);
      case "--connections" -> new LoadOptions(url, batch, parseInt(name, value), duration, warmup, instances, seed, token, jsonOut);
      case "--duration" -> new LoadOptions(url, batch, connections, parseSeconds(name, value), warmup, instances, seed, token, jsonOut);
      case "--warmup" -> new LoadOptions(url, batch, connections, duration, parseSeconds(name, value), instances, seed, token, jsonOut);
      case "--instances" -> new LoadOptions(url, batch, connections, duration, warmup, parseInt(name, value), seed, token, jsonOut);
      case "--seed" -> new LoadOptions(url, batch, connections, duration, warmup, instances, parseLong(name, value), token, jsonOut);
      case "--token" -> new LoadOptions(url, batch, connections, duration, warmup, instances, seed, value, jsonOut);
      case "--json-out" -> new LoadOptions(url, batch, connections, duration, warmup, instances, seed, token, Path.of(value));
      default -> throw new IllegalArgumentException("unknown option: " + name);
    };
  }

  /** The request path: the base URL's path (without a trailing slash) followed by {@code /v1/pings}. */
  String path() {
    String base = url.getRawPath() == null ? "" : url.getRawPath();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/pings";
  }

  int port() {
    return url.getPort() > 0 ? url.getPort() : 80;
  }

  private static URI parseUrl(String value) {
    try {
      return new URI(value);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("--url is not a URL: " + value, e);
    }
  }

  private static int parseInt(String name, String value) {
    long v = parseLong(name, value);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " is out of range: " + value);
    }
    return (int) v;
  }

  private static long parseLong(String name, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer: " + value, e);
    }
  }

  private static Duration parseSeconds(String name, String value) {
    double seconds;
    try {
      seconds = Double.parseDouble(value.trim().toLowerCase(Locale.ROOT).replaceFirst("s$", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number of seconds: " + value, e);
    }
    if (!Double.isFinite(seconds) || seconds > 86_400) {
      throw new IllegalArgumentException(name + " is out of range: " + value);
    }
    return Duration.ofNanos(Math.round(seconds * 1e9));
  }

  private static void requireRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ": " + value);
    }
  }
}
