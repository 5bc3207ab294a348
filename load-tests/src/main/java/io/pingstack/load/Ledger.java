package io.pingstack.load;

import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.PingError;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * {@code --ledger FILE}: one line per acknowledged ping, {@code <instance_id>\t<ping_id>\n}, for
 * checking a server afterwards: every line must be stored there, exactly once. A ping is
 * acknowledged when the 200 answer or OK call that carried it counts it as accepted or duplicate:
 * API.md's per-ping outcomes list the refused pings by index in {@code errors}, so the others are
 * written. An answer whose counts and errors do not add up to its pings names no ping: its
 * acknowledged pings are counted as {@code unresolved} and left out. Pings whose answer never came
 * (lost connection, in flight at the end) are not written, though the server may hold them.
 *
 * <p>Buffered; {@link #end} writes out what is buffered and closes the file when the run ends, early
 * stops included, before the run's figures are taken. A failed write stops the ledger and is
 * reported in its figures, never thrown at the load. Confined to the generator's event loop thread;
 * {@link #close} (after the loop ended) only makes sure the file is closed.
 */
final class Ledger implements AutoCloseable {
  /** What a run's ledger holds: null {@code file} when there is none; {@code failure} null unless a write failed. */
  record Figures(Path file, long written, long unresolved, String failure) {}

  private static final int BUFFER_BYTES = 1 << 16;

  private final Path file;
  private final OutputStream out;
  private final BitSet refused = new BitSet();
  private byte[] lines = new byte[BUFFER_BYTES];
  private long written;
  private long unresolved;
  private String failure;
  private boolean ended;

  private Ledger(Path file, OutputStream out) {
    this.file = file;
    this.out = out;
  }

  /** A ledger writing to {@code file} (created or emptied), or one that writes nothing when {@code file} is null. */
  static Ledger open(Path file) {
    if (file == null) {
      return new Ledger(null, null);
    }
    try {
      return new Ledger(file, new BufferedOutputStream(Files.newOutputStream(file), BUFFER_BYTES));
    } catch (IOException e) {
      throw new IllegalArgumentException("--ledger cannot create " + file + ": " + e, e);
    }
  }

  /** True when pings are written: only then need writers record what they send. */
  boolean enabled() {
    return out != null;
  }

  /** {@code sent} were answered 200 or OK with {@code response}: writes those it acknowledges. */
  void acknowledged(SentPings sent, IngestResponse response) {
    if (out == null) {
      return;
    }
    int n = sent.count();
    long acked = Integer.toUnsignedLong(response.getAccepted()) + Integer.toUnsignedLong(response.getDuplicates());
    if (ended || failure != null || !outcomesKnown(response.getErrorsList(), n, acked)) {
      unresolved += acked;
      return;
    }
    int at = 0;
    for (int i = 0; i < n; i++) {
      if (refused.get(i)) {
        continue;
      }
      byte[] instance = sent.instanceId(i);
      int need = instance.length + 1 + sent.idPrefix().length + Ascii.MAX_DIGITS + 1;
      if (lines.length - at < need) {
        lines = java.util.Arrays.copyOf(lines, Math.max(lines.length * 2, at + need));
      }
      at = Ascii.copy(instance, lines, at);
      lines[at++] = '\t';
      at = Ascii.copy(sent.idPrefix(), lines, at);
      at = Ascii.decimal(sent.sequence(i), lines, at);
      lines[at++] = '\n';
    }
    try {
      out.write(lines, 0, at);
      written += acked;
    } catch (IOException e) {
      fail(e);
      unresolved += acked;
    }
  }

  /**
   * Marks the refused pings in {@link #refused}; true when the answer tells every ping's outcome: its
   * errors name distinct pings of the request, and the rest are exactly the acknowledged ones.
   */
  private boolean outcomesKnown(List<PingError> errors, int n, long acked) {
    refused.clear();
    if (acked + errors.size() != n) {
      return false;
    }
    for (PingError error : errors) {
      long index = Integer.toUnsignedLong(error.getIndex());
      if (index >= n || refused.get((int) index)) {
        return false;
      }
      refused.set((int) index);
    }
    return true;
  }

  /** The run is over: writes out what is buffered and closes the file; idempotent. */
  void end() {
    if (out == null || ended) {
      return;
    }
    ended = true;
    try (OutputStream closing = out) {
      if (failure == null) {
        closing.flush();
      }
    } catch (IOException e) {
      fail(e);
    }
  }

  Figures figures() {
    return new Figures(file, written, unresolved, failure);
  }

  /** Ends the ledger if the run did not (it failed). */
  @Override
  public void close() {
    end();
  }

  private void fail(IOException e) {
    if (failure == null) {
      failure = "cannot write the ledger " + file + ": " + e;
    }
  }
}
