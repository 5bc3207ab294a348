package io.pingstack.engine;

import io.pingstack.model.Wal;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.compression.NoCompressionCodec;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open Arrow IPC file of one UTC day between two commits: {@code day=YYYY-MM-DD/<first>.arrow.part}
 * while written, renamed to {@code <first>-<last>.arrow} by {@link #finish()} (a replay's file has a
 * name of its own, {@code <name>.part} while written). Each {@link #write}
 * writes the rows a root of {@link PingSchema} holds at that moment as one record batch: the store's
 * scratch root, or a consumer's batch whose rows all belong here, without copying them.
 */
final class DayFile {
  private static final Logger LOG = LoggerFactory.getLogger(DayFile.class);
  static final String SUFFIX = ".arrow";
  static final String PART_SUFFIX = ".arrow.part";
  /** 256 KiB per open file; pings are at most 30 days old by default, so at most ~8 MiB in all. */
  private static final int WRITE_BUFFER_BYTES = 256 << 10;

  private final LocalDate day;
  private final Path dayDir;
  private final boolean createdDir;
  private final Path part;
  /** The name {@link #finish()} gives the file; null for {@code <first>-<last>.arrow}. */
  private final String finalName;
  private final FileChannel channel;
  /** What the writer writes to: {@link #channel} through a buffer, so a record batch's many small buffers cost a few system calls. */
  private final BufferedOutputStream buffered;
  private final RootWriter writer;
  private long firstPosition = Wal.NONE;
  private long lastPosition = Wal.NONE;
  private long rows;
  private Path finished;

  private DayFile(LocalDate day, Path dayDir, boolean createdDir, Path part, String finalName, FileChannel channel,
      BufferedOutputStream buffered, RootWriter writer) {
    this.day = day;
    this.dayDir = dayDir;
    this.createdDir = createdDir;
    this.part = part;
    this.finalName = finalName;
    this.channel = channel;
    this.buffered = buffered;
    this.writer = writer;
  }

  static String dirName(LocalDate day) {
    return "day=" + day;
  }

  /** Creates the file for rows of {@code day} whose first row has WAL position {@code firstPosition}; {@code schemaRoot} gives the schema. */
  static DayFile create(Path storeDir, LocalDate day, long firstPosition, VectorSchemaRoot schemaRoot,
      ArrowColdStoreConfig config) throws IOException {
    return create(storeDir, day, firstPosition + PART_SUFFIX, null, schemaRoot, config);
  }

  /** Creates a file that {@link #finish()} names {@code finalName}, written as {@code <finalName>.part}. */
  static DayFile createNamed(Path storeDir, LocalDate day, String finalName, VectorSchemaRoot schemaRoot,
      ArrowColdStoreConfig config) throws IOException {
    return create(storeDir, day, partName(finalName), finalName, schemaRoot, config);
  }

  /** The name of the file {@link #createNamed} writes until it is finished as {@code finalName}. */
  static String partName(String finalName) {
    return finalName + ".part";
  }

  private static DayFile create(Path storeDir, LocalDate day, String partName, String finalName, VectorSchemaRoot schemaRoot,
      ArrowColdStoreConfig config) throws IOException {
    Path dayDir = storeDir.resolve(dirName(day));
    boolean createdDir = !Files.isDirectory(dayDir);
    Files.createDirectories(dayDir);
    Path part = dayDir.resolve(partName);
    FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    try {
      BufferedOutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(channel), WRITE_BUFFER_BYTES);
      RootWriter writer = new RootWriter(schemaRoot, Channels.newChannel(buffered), config);
      writer.start();
      return new DayFile(day, dayDir, createdDir, part, finalName, channel, buffered, writer);
    } catch (IOException | RuntimeException e) {
      channel.close();
      Files.deleteIfExists(part);
      throw e;
    }
  }

  LocalDate day() {
    return day;
  }

  Path dayDir() {
    return dayDir;
  }

  /** True when this file's day directory did not exist before it: the store directory must be synced too. */
  boolean createdDir() {
    return createdDir;
  }

  long rows() {
    return rows;
  }

  /** Appends the {@code count} rows of {@code root}, WAL positions {@code first}..{@code last}, as one record batch. */
  void write(VectorSchemaRoot root, long first, long last, int count) throws IOException {
    writer.write(root);
    if (firstPosition == Wal.NONE) {
      firstPosition = first;
    }
    lastPosition = last;
    rows += count;
  }

  /** Writes the footer, syncs the file and gives it its final name; the caller syncs the directory. */
  Manifest.CommittedFile finish() throws IOException {
    writer.end();
    buffered.flush();
    channel.force(true);
    writer.close();
    String name = finalName != null ? finalName : firstPosition + "-" + lastPosition + SUFFIX;
    finished = Files.move(part, dayDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    return new Manifest.CommittedFile(dirName(day) + "/" + name, day.toString(), firstPosition, lastPosition, rows);
  }

  /** Closes and deletes the file, whatever state it is in; never throws. */
  void abandon() {
    try {
      writer.close();
    } catch (RuntimeException e) {
      LOG.debug("closing abandoned cold file {}: {}", part, e.toString());
    }
    try {
      channel.close();
      Files.deleteIfExists(part);
      if (finished != null) {
        Files.deleteIfExists(finished);
      }
    } catch (IOException e) {
      LOG.warn("cannot delete abandoned cold file {} (it is not in the manifest and is deleted at the next start): {}", part, e.toString());
    }
  }

  private static CompressionCodec.Factory codecFactory(ArrowColdStoreConfig.Compression compression) {
    return compression == ArrowColdStoreConfig.Compression.NONE
        ? NoCompressionCodec.Factory.INSTANCE
        : CommonsCompressionFactory.INSTANCE;
  }

  private static CompressionUtil.CodecType codecType(ArrowColdStoreConfig.Compression compression) {
    return switch (compression) {
      case NONE -> CompressionUtil.CodecType.NO_COMPRESSION;
      case ZSTD -> CompressionUtil.CodecType.ZSTD;
      case LZ4_FRAME -> CompressionUtil.CodecType.LZ4_FRAME;
    };
  }

  /**
   * An Arrow file writer that writes whichever root of the file's schema it is given, not only the
   * one it was made with. ZSTD buffers go through {@link ZstdContextCodec}, one zstd context per file,
   * made here and not by {@code factory}: the superclass takes a codec of its own from the factory for
   * the root it was made with, which is never written here, and would not close a context.
   */
  private static final class RootWriter extends ArrowFileWriter {
    private final CompressionCodec codec;

    RootWriter(VectorSchemaRoot schemaRoot, WritableByteChannel channel, ArrowColdStoreConfig config) {
      this(schemaRoot, channel, codecFactory(config.compression()), codecType(config.compression()), config.zstdLevel());
    }

    private RootWriter(VectorSchemaRoot schemaRoot, WritableByteChannel channel, CompressionCodec.Factory factory,
        CompressionUtil.CodecType type, int zstdLevel) {
      super(schemaRoot, null, channel, Map.of(), IpcOption.DEFAULT, factory, type, Optional.empty());
      this.codec = type == CompressionUtil.CodecType.ZSTD ? new ZstdContextCodec(zstdLevel) : factory.createCodec(type);
    }

    void write(VectorSchemaRoot root) throws IOException {
      try (ArrowRecordBatch batch = new VectorUnloader(root, true, codec, true).getRecordBatch()) {
        writeRecordBatch(batch);
      }
    }

    @Override
    public void close() {
      try {
        super.close();
      } finally {
        if (codec instanceof ZstdContextCodec zstd) {
          zstd.close();
        }
      }
    }
  }
}
