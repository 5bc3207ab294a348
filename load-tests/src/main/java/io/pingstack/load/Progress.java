package io.pingstack.load;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The live progress line of a load run on a terminal: once a second, overwritten in place with a
 * carriage return, the seconds since the start, pings/s over the last second, pings acknowledged
 * so far (warmup included), and the errors and p99 latency so far of the current phase (warmup, then
 * the measured window). It runs on the generator's event loop thread, which owns the figures it
 * reads; {@link #NONE} (not a terminal) prints nothing.
 */
final class Progress {
  /** What the line shows, taken on the loop thread. */
  record Figures(boolean measuring, long ackedInRun, long errors, double p99Millis) {}

  /** Takes the figures; called on the loop thread. */
  interface Source {
    Figures figures();
  }

  static final Progress NONE = new Progress(null);

  private final PrintStream terminal;
  private ScheduledFuture<?> task;
  private long startNanos;
  private long lastNanos;
  private long lastAcked;
  private int lastLength;

  private Progress(PrintStream terminal) {
    this.terminal = terminal;
  }

  /** Progress lines on {@code terminal}, which the caller knows to be one. */
  static Progress to(PrintStream terminal) {
    return new Progress(terminal);
  }

  /** Progress lines on {@code err} when this process has a terminal ({@code System.console() != null}), else none. */
  static Progress onTerminal(PrintStream err) {
    return System.console() != null ? to(err) : NONE;
  }

  /** Prints a line every second on {@code loop} from {@code source}'s figures, from now on. */
  void start(ScheduledExecutorService loop, Source source) {
    if (terminal == null) {
      return;
    }
    startNanos = System.nanoTime();
    lastNanos = startNanos;
    task = loop.scheduleAtFixedRate(() -> print(source.figures(), System.nanoTime()), 1, 1, TimeUnit.SECONDS);
  }

  /** Stops the lines and clears the last one, so that the summary starts on a clean line; on the loop thread. */
  void stop() {
    if (task != null) {
      boolean unused = task.cancel(false);
      task = null;
    }
    if (lastLength > 0) {
      terminal.print("\r" + " ".repeat(lastLength) + "\r");
      terminal.flush();
      lastLength = 0;
    }
  }

  /** Overwrites the line with {@code figures} taken at {@code nowNanos}. */
  void print(Figures figures, long nowNanos) {
    double sinceLast = (nowNanos - lastNanos) / 1e9;
    String line = line((nowNanos - startNanos) / 1e9, sinceLast > 0 ? (figures.ackedInRun() - lastAcked) / sinceLast : 0,
        figures);
    lastNanos = nowNanos;
    lastAcked = figures.ackedInRun();
    // Padded over the last line's tail, which a shorter line would leave on the screen.
    terminal.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
    terminal.flush();
    lastLength = line.length();
  }

  static String line(double elapsedSeconds, double pingsPerSecond, Figures figures) {
    return String.format(Locale.ROOT, "%6.0f s  %10.0f pings/s  %12d acked  errors %d  p99 %.3f ms (%s)",
        elapsedSeconds, pingsPerSecond, figures.ackedInRun(), figures.errors(), figures.p99Millis(),
        figures.measuring() ? "measuring" : "warmup");
  }
}
