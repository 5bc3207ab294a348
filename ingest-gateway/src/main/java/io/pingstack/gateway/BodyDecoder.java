package io.pingstack.gateway;

import com.github.luben.zstd.ZstdInputStream;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Undoes {@code Content-Encoding} with the decompressed-size limit enforced while inflating: a
 * bomb costs at most {@code limit} bytes of memory and stops as soon as it crosses it.
 */
final class BodyDecoder {
  private BodyDecoder() {}

  enum Encoding {
    IDENTITY,
    GZIP,
    ZSTD
  }

  /** The encoding named by a {@code Content-Encoding} header, or a 415. */
  static Encoding encoding(String header) {
    if (header == null) {
      return Encoding.IDENTITY;
    }
    return switch (header.trim().toLowerCase(Locale.ROOT)) {
      case "", "identity" -> Encoding.IDENTITY;
      case "gzip", "x-gzip" -> Encoding.GZIP;
      case "zstd" -> Encoding.ZSTD;
      default -> throw new ApiException(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding",
          "Content-Encoding must be gzip, zstd or none");
    };
  }

  static byte[] decode(Encoding encoding, byte[] body, int limit) {
    if (encoding == Encoding.IDENTITY) {
      if (body.length > limit) {
        throw tooLarge(limit);
      }
      return body;
    }
    try (InputStream in = encoding == Encoding.GZIP
        ? new GZIPInputStream(new ByteArrayInputStream(body), 8192)
        : new ZstdInputStream(new ByteArrayInputStream(body))) {
      byte[] out = new byte[Math.min(limit + 1, Math.max(8192, body.length * 4))];
      int size = 0;
      while (true) {
        if (size == out.length) {
          if (out.length > limit) {
            throw tooLarge(limit);
          }
          out = Arrays.copyOf(out, (int) Math.min((long) limit + 1, out.length * 2L));
        }
        int n = in.read(out, size, out.length - size);
        if (n < 0) {
          break;
        }
        size += n;
      }
      if (size > limit) {
        throw tooLarge(limit);
      }
      return size == out.length ? out : Arrays.copyOf(out, size);
    } catch (IOException e) {
      throw new ApiException(HttpResponseStatus.BAD_REQUEST, "malformed_encoding",
          "the body is not valid " + encoding.name().toLowerCase(Locale.ROOT));
    }
  }

  private static ApiException tooLarge(int limit) {
    return new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
        "the decompressed body is over the limit of " + limit + " bytes");
  }
}
