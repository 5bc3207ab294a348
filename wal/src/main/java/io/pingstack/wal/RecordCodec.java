package io.pingstack.wal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.pingstack.model.RecordBuffer;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * How a record lies in the log: as appended, or zstd-compressed behind a zero byte (a frame with its
 * content size and a checksum, so that damage is detected rather than decoded). An encoded {@code
 * WalRecord} never starts with a zero byte (no protobuf field has number 0), so the two cannot be
 * confused, and a log written before compression, or with it off, reads as before.
 */
final class RecordCodec {
  /** The first byte of a compressed record; a zstd frame of the record follows. */
  static final byte COMPRESSED = 0;
  /** Records shorter than this are stored as they are: a frame's header would take most of the saving. */
  static final int MIN_COMPRESSED_BYTES = 512;
  private static final int LEVEL = 1;
  /** How every zstd frame starts (0xFD2FB528, little-endian). */
  private static final byte[] FRAME_MAGIC = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};

  private final boolean compress;
  private final WalMetrics metrics;
  /**
   * Compressors not in use: a context is costly to make, so each is taken for one record and put
   * back, and there are never more than threads that appended at once. Freed by {@link #close}.
   */
  private final ConcurrentLinkedQueue<Compressor> idle = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  /** A codec that compresses what it encodes when {@code compress}, reporting each try to {@code metrics}. */
  RecordCodec(boolean compress, WalMetrics metrics) {
    this.compress = compress;
    this.metrics = metrics;
  }

  /**
   * {@code record} as the log stores it: compressed when this codec compresses and that makes it
   * smaller, else itself; a record this codec compressed already passes as it is. Any thread.
   *
   * @throws IllegalArgumentException as {@link #checkEncoded}
   */
  byte[] encode(byte[] record) {
    checkEncoded(record);
    if (!compress || record.length < MIN_COMPRESSED_BYTES || record[0] == COMPRESSED) {
      return record;
    }
    Compressor compressor = idle.poll();
    if (compressor == null) {
      compressor = new Compressor();
    }
    try {
      byte[] stored = compressor.compress(record);
      metrics.compressionTried(stored != record);
      return stored;
    } finally {
      idle.offer(compressor);
      if (closed) {
        closeIdle();
      }
    }
  }

  /**
   * {@code record}, to be stored as it is: what {@link #encode} returned (IngestService encodes
   * before its lock, then appends), or a record the log may store uncompressed. Any thread.
   *
   * @throws IllegalArgumentException when {@code record} is over {@link WalConfig#MAX_RECORD_BYTES},
   *     or starts with a zero byte without being a record this codec compressed
   */
  byte[] checkEncoded(byte[] record) {
    if (record.length > 0 && record[0] == COMPRESSED) {
      // The frame's magic number tells a compressed record from one that merely starts with a zero
      // byte, without a call into zstd.
      if (!Arrays.equals(record, 1, Math.min(record.length, 1 + FRAME_MAGIC.length), FRAME_MAGIC, 0, FRAME_MAGIC.length)) {
        throw new IllegalArgumentException("a WAL record starts with a zero byte but is no compressed record");
      }
    } else if (record.length > WalConfig.MAX_RECORD_BYTES) {
      throw new IllegalArgumentException("WAL record of " + record.length + " bytes is over the limit of " + WalConfig.MAX_RECORD_BYTES);
    }
    return record;
  }

  /** Frees the compressors; an encode still running frees its own when it ends. */
  void close() {
    closed = true;
    closeIdle();
  }

  private void closeIdle() {
    for (Compressor c = idle.poll(); c != null; c = idle.poll()) {
      c.ctx.close();
    }
  }

  private static final class Compressor {
    /** The most each appending thread keeps between records; a larger record's frame goes to an array of its own. */
    private static final int MAX_SCRATCH_BYTES = 1 << 20;

    private final ZstdCompressCtx ctx = new ZstdCompressCtx().setLevel(LEVEL).setContentSize(true).setChecksum(true);
    private byte[] scratch = new byte[0];

    /** {@code record} compressed, or {@code record} itself when that is no smaller. */
    byte[] compress(byte[] record) {
      int bound = (int) Zstd.compressBound(record.length);
      byte[] frame = scratch;
      if (frame.length < bound) {
        frame = new byte[bound];
        if (bound <= MAX_SCRATCH_BYTES) {
          scratch = frame;
        }
      }
      int size = ctx.compressByteArray(frame, 0, bound, record, 0, record.length);
      if (size + 1 >= record.length) {
        return record;
      }
      byte[] stored = new byte[size + 1];
      stored[0] = COMPRESSED;
      System.arraycopy(frame, 0, stored, 1, size);
      return stored;
    }
  }

  /** One reader's decompressor. Not thread-safe. */
  static final class Decoder implements AutoCloseable {
    private ZstdDecompressCtx ctx;

    /**
     * Decodes the stored record in {@code stored[0, length)} into {@code into}.
     *
     * @throws IOException when the stored bytes are not a record this codec wrote
     */
    void decode(byte[] stored, int length, RecordBuffer into) throws IOException {
      long size = Zstd.getFrameContentSize(stored, 1, length - 1);
      if (size <= 0 || size > WalConfig.MAX_RECORD_BYTES) {
        throw new IOException("a compressed record whose frame gives no valid size (" + size + ")");
      }
      if (ctx == null) {
        ctx = new ZstdDecompressCtx();
      }
      byte[] out = into.reserve((int) size);
      try {
        int n = ctx.decompressByteArray(out, 0, (int) size, stored, 1, length - 1);
        if (n != size) {
          throw new IOException("a compressed record decompressed to " + n + " bytes, not the " + size + " its frame gives");
        }
      } catch (RuntimeException e) {
        throw new IOException("a compressed record does not decompress", e);
      }
    }

    @Override
    public void close() {
      if (ctx != null) {
        ctx.close();
        ctx = null;
      }
    }
  }
}
