package io.pingstack.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Test fixture, shipped in this module's test-jar: damages a log's files in place, as a bad disk
 * would, at the bytes of a record. Every file of the log is searched: records appended either side
 * of an hour's end lie in two.
 */
public final class WalFileDamage {
  /** How far into each file bytes are looked for. */
  private static final int SEARCHED_BYTES = 8 << 20;

  private WalFileDamage() {}

  /** Where bytes were found: a log file and their offset in it. */
  public record Found(Path file, int position) {}

  /** Where {@code bytes} first lie in the log in {@code walDir}, its files in name (time) order. */
  public static Found find(Path walDir, byte[] bytes) throws IOException {
    List<Path> logFiles;
    try (Stream<Path> files = Files.list(walDir)) {
      logFiles = files.filter(p -> p.toString().endsWith(".cq4")).sorted().toList();
    }
    for (Path file : logFiles) {
      byte[] head = new byte[SEARCHED_BYTES];
      int length;
      try (var in = Files.newInputStream(file)) {
        length = in.readNBytes(head, 0, head.length);
      }
      for (int i = 0; i + bytes.length <= length; i++) {
        if (Arrays.equals(head, i, i + bytes.length, bytes, 0, bytes.length)) {
          return new Found(file, i);
        }
      }
    }
    throw new AssertionError("no file of " + walDir + " holds the bytes");
  }

  /** The byte {@code offset} bytes after where {@code found} points (before it, when negative). */
  public static byte read(Found found, int offset) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    try (FileChannel channel = FileChannel.open(found.file(), StandardOpenOption.READ)) {
      channel.read(one, found.position() + offset);
    }
    return one.get(0);
  }

  /** Writes {@code bytes} from {@code offset} bytes after where {@code found} points, to the disk. */
  public static void write(Found found, int offset, ByteBuffer bytes) throws IOException {
    try (FileChannel channel = FileChannel.open(found.file(), StandardOpenOption.WRITE)) {
      channel.write(bytes, found.position() + offset);
      channel.force(false);
    }
  }

  /**
   * Damages Chronicle's framing of {@code record}: its 4-byte little-endian header, whose low 30
   * bits are the record's length, now claims about 1 GiB.
   */
  public static void damageLength(Path walDir, byte[] record) throws IOException {
    write(find(walDir, record), -4, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x3fff_0000));
  }
}
