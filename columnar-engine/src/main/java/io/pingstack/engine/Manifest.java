package io.pingstack.engine;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.pingstack.model.Wal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of the cold store: every committed file and the position of the last WAL
 * record those files include. It is the store's only truth: a file it does not list was never
 * committed. Written atomically (temp file, fsync, rename, directory fsync).
 *
 * @param version format version, {@value #VERSION}
 * @param committedPosition last WAL position whose rows are all in the listed files; NONE for none
 * @param files committed files, in commit order
 */
record Manifest(int version, long committedPosition, List<Manifest.CommittedFile> files) {
  static final int VERSION = 1;
  static final String NAME = "manifest.json";
  static final String TEMP_NAME = "manifest.json.tmp";
  static final Manifest EMPTY = new Manifest(VERSION, Wal.NONE, List.of());
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  /**
   * One committed Arrow IPC file.
   *
   * @param path relative to the store directory, with {@code /}: {@code day=YYYY-MM-DD/<first>-<last>.arrow}
   * @param day the UTC day of the event timestamps of its rows
   * @param firstPosition WAL position of its first row
   * @param lastPosition WAL position of its last row
   * @param rows how many rows it holds
   */
  record CommittedFile(String path, String day, long firstPosition, long lastPosition, long rows) {}

  Manifest {
    files = List.copyOf(files);
  }

  /** The manifest in {@code dir}, or {@link #EMPTY} when there is none. A leftover temp file is ignored. */
  static Manifest read(Path dir) throws IOException {
    Path path = dir.resolve(NAME);
    if (!Files.exists(path)) {
      return EMPTY;
    }
    Manifest manifest;
    try {
      manifest = JSON.readValue(path.toFile(), Manifest.class);
    } catch (IOException e) {
      throw new IOException("cannot read the cold store manifest " + path + ": " + e.getMessage(), e);
    }
    if (manifest.version() != VERSION || manifest.files() == null) {
      throw new IOException("cold store manifest " + path + " has unknown version " + manifest.version());
    }
    return manifest;
  }

  /** This manifest plus {@code added}, committed up to {@code position}. */
  Manifest plus(List<CommittedFile> added, long position) {
    List<CommittedFile> all = new ArrayList<>(files.size() + added.size());
    all.addAll(files);
    all.addAll(added);
    return new Manifest(VERSION, position, all);
  }

  /**
   * This manifest with each file that is a key of {@code replacements} replaced, in its place, by
   * the file it maps to; the committed position stays.
   *
   * @throws IllegalStateException when a key is not listed
   */
  Manifest replacing(Map<CommittedFile, CommittedFile> replacements) {
    List<CommittedFile> all = new ArrayList<>(files.size());
    int replaced = 0;
    for (CommittedFile file : files) {
      CommittedFile replacement = replacements.get(file);
      if (replacement != null) {
        replaced++;
      }
      all.add(replacement != null ? replacement : file);
    }
    if (replaced != replacements.size()) {
      throw new IllegalStateException("the manifest no longer lists every file to replace: " + replacements.keySet());
    }
    return new Manifest(VERSION, committedPosition, all);
  }

  /** Replaces the manifest in {@code dir} atomically and durably. */
  void write(Path dir) throws IOException {
    Path temp = dir.resolve(TEMP_NAME);
    byte[] json = JSON.writeValueAsBytes(this);
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(json);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(temp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Fsync.directory(dir);
  }
}
