package io.pingstack.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The main class of {@code microbenchmarks.jar}: JMH's own {@link org.openjdk.jmh.Main}, with the
 * flags of {@code config/jvm.options} (bundled into the jar at build time) prepended to the JVM
 * arguments of every forked benchmark JVM. Chronicle Queue and Arrow need them on Java 17, and
 * Chronicle's analytics must stay off; {@code -jvmArgsAppend} stays free for the user's own flags.
 */
public final class BenchMain {
  /** Where the build puts a copy of {@code config/jvm.options}, relative to this class. */
  static final String JVM_OPTIONS = "jvm.options";

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(withJvmOptions(args, jvmOptions()));
  }

  /** {@code args} with {@code -jvmArgsPrepend <flags>} in front, unless there are no flags. */
  static String[] withJvmOptions(String[] args, List<String> flags) {
    if (flags.isEmpty()) {
      return args;
    }
    List<String> all = new ArrayList<>(args.length + 2);
    all.add("-jvmArgsPrepend");
    all.add(String.join(" ", flags));
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  /** The flags of the bundled {@code jvm.options}: one per line, blank lines and {@code #} comments left out. */
  static List<String> jvmOptions() {
    try (InputStream in = BenchMain.class.getResourceAsStream(JVM_OPTIONS)) {
      if (in == null) {
        throw new IllegalStateException("no " + JVM_OPTIONS + " beside " + BenchMain.class.getName()
            + ": the build copies config/jvm.options there");
      }
      List<String> flags = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
        String flag = line.strip();
        if (!flag.isEmpty() && !flag.startsWith("#")) {
          if (flag.contains(" ")) {
            throw new IllegalStateException(JVM_OPTIONS + " has a flag with a space, which -jvmArgsPrepend cannot carry: " + flag);
          }
          flags.add(flag);
        }
      }
      return flags;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + JVM_OPTIONS + ": " + e.getMessage(), e);
    }
  }
}
