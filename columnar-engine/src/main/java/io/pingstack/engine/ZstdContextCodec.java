package io.pingstack.engine;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.ByteBuffer;
import org.apache.arrow.compression.ZstdCompressionCodec;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.compression.CompressionUtil;

/**
 * Arrow's ZSTD buffer codec, compressing with one zstd context kept for every buffer instead of a
 * new one per buffer. Arrow's codec calls {@code Zstd.compressUnsafe}, which allocates and zeroes a
 * context of a few MiB for each buffer of each record batch. In some runs the C allocator returned
 * those pages to the OS in between, and the live cold-store consumer then took ~9,000 page faults a
 * second (at 160k pings/s; ~23 µs each on these VMs), most of them zeroing a fresh context
 * (docs/BENCHMARKS.md, "The cold-store consumer's slow mode"). The bytes
 * written are the same format: a zstd frame after Arrow's 8-byte uncompressed length, decompressed
 * by Arrow's own codec (inherited here, and in any reader), whatever the level. One writer at a time;
 * {@link #close()} frees the context.
 */
final class ZstdContextCodec extends ZstdCompressionCodec implements AutoCloseable {
  private final ZstdCompressCtx context;

  ZstdContextCodec(int level) {
    super(level);
    context = new ZstdCompressCtx().setLevel(level);
  }

  @Override
  protected ArrowBuf doCompress(BufferAllocator allocator, ArrowBuf uncompressed) {
    int length = Math.toIntExact(uncompressed.writerIndex());
    int bound = Math.toIntExact(Zstd.compressBound(length));
    ArrowBuf compressed = allocator.buffer(CompressionUtil.SIZE_OF_UNCOMPRESSED_LENGTH + (long) bound);
    try {
      ByteBuffer to = compressed.nioBuffer(CompressionUtil.SIZE_OF_UNCOMPRESSED_LENGTH, bound);
      ByteBuffer from = uncompressed.nioBuffer(0, length);
      int written = context.compressDirectByteBuffer(to, 0, bound, from, 0, length);
      compressed.writerIndex(CompressionUtil.SIZE_OF_UNCOMPRESSED_LENGTH + (long) written);
      return compressed;
    } catch (RuntimeException e) {
      compressed.close();
      throw e;
    }
  }

  @Override
  public void close() {
    context.close();
  }
}
