package io.pingstack.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The bodies of another {@link BodyWriter}, gzipped ({@code Content-Encoding: gzip}) at the fastest
 * level: the generator shares its cores with the server, and the server's cost of inflating hardly
 * depends on the level. Confined to one thread, as the writer it wraps.
 */
final class GzipBodies implements BodyWriter {
  private final BodyWriter plain;
  /** The plain body of the request being written; reused. */
  private final ByteBuf scratch = Unpooled.buffer();

  GzipBodies(BodyWriter plain) {
    this.plain = plain;
  }

  /** {@code writers}, each wrapped. */
  static BodyWriter[] wrap(BodyWriter[] writers) {
    BodyWriter[] gzipped = new BodyWriter[writers.length];
    for (int i = 0; i < writers.length; i++) {
      gzipped[i] = new GzipBodies(writers[i]);
    }
    return gzipped;
  }

  @Override
  public SentPings recordSent() {
    return plain.recordSent();
  }

  /** zlib's deflateBound for stored blocks plus the gzip header and trailer: what incompressible bytes take. */
  @Override
  public int maxBodySize(int batch) {
    int n = plain.maxBodySize(batch);
    return n + (n >> 12) + (n >> 14) + (n >> 25) + 13 + 18;
  }

  @Override
  public void write(ByteBuf out, int batch, long nowMillis) {
    scratch.clear();
    plain.write(scratch, batch, nowMillis);
    try (OutputStream gzip = new FastGzip(new ByteBufOutputStream(out))) {
      gzip.write(scratch.array(), scratch.arrayOffset() + scratch.readerIndex(), scratch.readableBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot gzip a request body", e); // a ByteBuf does not fail to grow
    }
  }

  /** A gzip stream at {@link Deflater#BEST_SPEED}; set before anything is deflated, so it covers the whole body. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 8192);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
