package io.pingstack.rollups;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The one snapshot file in the snapshot directory, written atomically.
 *
 * <p>Layout: magic {@code PSRU}, format version, the body, then the CRC32C of everything before it
 * (8 bytes). Writing goes to {@value #TEMP_NAME}, which is fsynced, renamed over {@value #NAME} and
 * made durable by an fsync of the directory: a crash at any point leaves the old or the new file
 * under {@value #NAME}, and a leftover temp file is never read. Reading checks length and checksum
 * over the whole file before parsing a byte of the body.
 */
final class SnapshotFile {
  static final String NAME = "rollups.snapshot";
  static final String TEMP_NAME = NAME + ".tmp";
  private static final int MAGIC = 0x50535255;
  /** 2 added each cell's first WAL position; format 1 is still read (those cells' positions are unknown). */
  static final int VERSION = 2;
  private static final int OLDEST_READ = 1;
  private static final int MAX_STRING_BYTES = 1 << 20;

  interface Body {
    void writeTo(DataOutput out) throws IOException;
  }

  interface Parser<T> {
    /** Parses the body of a file in format {@code version}. */
    T readFrom(DataInput in, int version) throws IOException;
  }

  private SnapshotFile() {}

  /** Replaces the snapshot in {@code dir} with {@code body}, atomically; returns the file's size. */
  static long write(Path dir, Body body) throws IOException {
    Files.createDirectories(dir);
    Path temp = dir.resolve(TEMP_NAME);
    long size;
    try (FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      OutputStream file = Channels.newOutputStream(channel);
      CRC32C crc = new CRC32C();
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(file, crc), 1 << 16));
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      body.writeTo(out);
      out.flush();
      DataOutputStream trailer = new DataOutputStream(file);
      trailer.writeLong(crc.getValue());
      trailer.flush();
      channel.force(true);
      size = channel.size();
    }
    Files.move(temp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
      directory.force(true);
    }
    return size;
  }

  /**
   * Parses the snapshot in {@code dir}; null when there is none. A snapshot that is truncated,
   * corrupt or of another format is an {@link IllegalStateException} naming the file: starting
   * empty instead would count the WAL tail without everything before it.
   */
  static <T> T read(Path dir, Parser<T> parser) throws IOException {
    Files.deleteIfExists(dir.resolve(TEMP_NAME));
    return parse(dir.resolve(NAME), parser, true);
  }

  /**
   * As {@link #read}, but {@code parser} reads only the start of the body and nothing on disk
   * changes (a leftover temp file stays): for commands that inspect a stopped service's data.
   */
  static <T> T readHead(Path dir, Parser<T> parser) throws IOException {
    return parse(dir.resolve(NAME), parser, false);
  }

  private static <T> T parse(Path file, Parser<T> parser, boolean whole) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    try {
      long bodyEnd = verify(file);
      try (InputStream raw = Files.newInputStream(file);
          DataInputStream in = new DataInputStream(new BufferedInputStream(new Limited(raw, bodyEnd), 1 << 16))) {
        CorruptSnapshotException.check(in.readInt() == MAGIC, "not a rollup snapshot (bad magic)");
        int version = in.readInt();
        CorruptSnapshotException.check(
            version >= OLDEST_READ && version <= VERSION, "format version " + version + ", this build reads " + OLDEST_READ + " to " + VERSION);
        T parsed = parser.readFrom(in, version);
        CorruptSnapshotException.check(!whole || in.read() < 0, "bytes after the end of the state");
        return parsed;
      }
    } catch (CorruptSnapshotException e) {
      throw new IllegalStateException("rollup snapshot " + file + " is corrupt: " + e.getMessage()
          + "; move it away and replay the WAL to rebuild", e);
    } catch (EOFException e) {
      throw new IllegalStateException("rollup snapshot " + file + " is truncated; move it away and replay the WAL to rebuild", e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read rollup snapshot " + file + ": " + e, e);
    }
  }

  /** Checks the trailer's CRC32C against the file's bytes; returns where the body ends. */
  private static long verify(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      CorruptSnapshotException.check(size >= 16, "only " + size + " bytes (truncated)");
      long bodyEnd = size - Long.BYTES;
      CRC32C crc = new CRC32C();
      ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
      long position = 0;
      while (position < bodyEnd) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), bodyEnd - position));
        int n = channel.read(buffer, position);
        CorruptSnapshotException.check(n > 0, "unreadable at byte " + position);
        position += n;
        buffer.flip();
        crc.update(buffer);
      }
      ByteBuffer trailer = ByteBuffer.allocate(Long.BYTES);
      while (trailer.hasRemaining()) {
        CorruptSnapshotException.check(channel.read(trailer, bodyEnd + trailer.position()) > 0, "trailer unreadable");
      }
      CorruptSnapshotException.check(
          trailer.flip().getLong() == crc.getValue(), "checksum mismatch over " + size + " bytes (truncated or damaged)");
      return bodyEnd;
    }
  }

  static void writeString(DataOutput out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static String readString(DataInput in) throws IOException {
    int length = in.readInt();
    CorruptSnapshotException.check(length >= 0 && length <= MAX_STRING_BYTES, "string of " + length + " bytes");
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static void writeStrings(DataOutput out, List<String> strings) throws IOException {
    out.writeInt(strings.size());
    for (String s : strings) {
      writeString(out, s);
    }
  }

  static List<String> readStrings(DataInput in, int max) throws IOException {
    int n = in.readInt();
    CorruptSnapshotException.check(n >= 0 && n <= max, "list of " + n + " strings, at most " + max + " expected");
    List<String> strings = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      strings.add(readString(in));
    }
    return strings;
  }

  /** The body of the file without its trailer: the parser sees an end of file where the body ends. */
  private static final class Limited extends FilterInputStream {
    private long remaining;

    Limited(InputStream in, long limit) {
      super(in);
      this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      remaining -= b < 0 ? 0 : 1;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, remaining));
      remaining -= Math.max(n, 0);
      return n;
    }
  }
}
