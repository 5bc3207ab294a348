package io.pingstack.load;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Command line options as {@code --name value} or {@code --name=value}, and flags as {@code --name}
 * alone: every name must be known, only {@code repeatable} names may be given twice. The typed
 * getters name the option in every error message.
 */
final class Args {
  private final Map<String, List<String>> values;

  private Args(Map<String, List<String>> values) {
    this.values = values;
  }

  static Args parse(String[] args, Set<String> known, Set<String> repeatable) {
    return parse(args, known, repeatable, Set.of());
  }

  /** As {@link #parse(String[], Set, Set)}, with {@code flags}: known names that take no value. */
  static Args parse(String[] args, Set<String> known, Set<String> repeatable, Set<String> flags) {
    Map<String, List<String>> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + arg);
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (flags.contains(arg)) {
        value = "";
      } else if (eq > 0 && flags.contains(arg.substring(0, eq))) {
        throw new IllegalArgumentException(arg.substring(0, eq) + " takes no value");
      } else if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException(name + " needs a value");
      }
      if (!known.contains(name) && !flags.contains(name)) {
        throw new IllegalArgumentException("unknown option: " + name);
      }
      List<String> list = values.computeIfAbsent(name, n -> new ArrayList<>());
      if (!list.isEmpty() && !repeatable.contains(name)) {
        throw new IllegalArgumentException(name + " given twice");
      }
      list.add(value);
    }
    return new Args(values);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** True when flag {@code name} was given. */
  boolean flag(String name) {
    return values.containsKey(name);
  }

  /** Every value of a repeatable option, in the order given; empty when it was not given. */
  List<String> all(String name) {
    return List.copyOf(values.getOrDefault(name, List.of()));
  }

  String string(String name, String fallback) {
    List<String> list = values.get(name);
    return list == null ? fallback : list.get(0);
  }

  int integer(String name, int fallback) {
    long v = longValue(name, fallback);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " is out of range: " + string(name, ""));
    }
    return (int) v;
  }

  long longValue(String name, long fallback) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer: " + value, e);
    }
  }

  /** A finite number, decimals allowed. */
  double number(String name, double fallback) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    double number;
    try {
      number = Double.parseDouble(value.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number: " + value, e);
    }
    if (!Double.isFinite(number)) {
      throw new IllegalArgumentException(name + " must be a finite number: " + value);
    }
    return number;
  }

  /** Seconds, decimals allowed, with an optional {@code s} suffix: {@code 2.5}, {@code 20s}. */
  Duration seconds(String name, Duration fallback) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
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

  /** A whole number with a unit {@code s}, {@code m}, {@code h} or {@code d}: {@code 7d}, {@code 90m}. */
  Duration span(String name, Duration fallback) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    String text = value.trim().toLowerCase(Locale.ROOT);
    if (!text.matches("[0-9]{1,9}[smhd]")) {
      throw new IllegalArgumentException(name + " must be a whole number with a unit s, m, h or d (e.g. 7d): " + value);
    }
    long n = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (text.charAt(text.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** An {@code http://} URL with a host. */
  URI url(String name, URI fallback) {
    String value = string(name, null);
    URI url;
    try {
      url = value == null ? fallback : new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a URL: " + value, e);
    }
    if (!"http".equals(url.getScheme()) || url.getHost() == null) {
      throw new IllegalArgumentException(name + " must be an http:// URL with a host: " + url);
    }
    return url;
  }

  /** A file to write: its directory must exist, and it must not be a directory itself. */
  Path outputFile(String name) {
    String value = string(name, null);
    if (value == null) {
      return null;
    }
    Path file;
    try {
      file = Path.of(value).toAbsolutePath();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(name + " is not a file name: " + value, e);
    }
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(name + " is a directory: " + value);
    }
    if (file.getParent() != null && !Files.isDirectory(file.getParent())) {
      throw new IllegalArgumentException(name + " is in a directory that does not exist: " + value);
    }
    return Path.of(value);
  }

  static void requireRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ": " + value);
    }
  }

  /** {@code base}'s path without a trailing slash, followed by {@code path} (which starts with a slash). */
  static String under(URI base, String path) {
    String prefix = base.getRawPath() == null ? "" : base.getRawPath();
    return (prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix) + path;
  }

  static int port(URI url) {
    return url.getPort() > 0 ? url.getPort() : 80;
  }

  /** The {@code Host} header for {@code url}. */
  static String hostHeader(URI url) {
    return url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
  }
}
