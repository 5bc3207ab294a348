package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import com.github.luben.zstd.Zstd;
import io.pingstack.gateway.BodyDecoder.Encoding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class BodyDecoderTest {
  private static final int MIB = 1 << 20;

  /** Compressible but not trivial: words drawn from a small vocabulary. */
  private static byte[] text(int size) {
    String[] words = {"search.executed ", "instance ", "5.3.0 ", "docker-compose ", "ping ", "{\"metrics\":1} "};
    Random random = new Random(42);
    StringBuilder s = new StringBuilder(size + 32);
    while (s.length() < size) {
      s.append(words[random.nextInt(words.length)]);
    }
    return s.substring(0, size).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] gzipZeros(long size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[MIB];
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
      for (long written = 0; written < size; written += chunk.length) {
        gz.write(chunk);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private static ApiException refusal(Encoding encoding, byte[] body, int limit) {
    return catchThrowableOfType(ApiException.class, () -> BodyDecoder.decode(encoding, body, limit));
  }

  @Test
  void identityBodyWithinTheLimitIsReturnedAsIs() {
    byte[] body = text(100);

    assertThat(BodyDecoder.decode(Encoding.IDENTITY, body, 100)).isSameAs(body);
  }

  @Test
  void identityBodyOverTheLimitIsTooLarge() {
    ApiException e = refusal(Encoding.IDENTITY, text(101), 100);

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(413);
    assertThat(e.code()).isEqualTo("body_too_large");
  }

  @Test
  void gzipRoundTrips() {
    byte[] body = text(300_000);

    assertThat(BodyDecoder.decode(Encoding.GZIP, gzip(body), MIB)).isEqualTo(body);
  }

  @Test
  void zstdRoundTrips() {
    byte[] body = text(300_000);

    assertThat(BodyDecoder.decode(Encoding.ZSTD, Zstd.compress(body), MIB)).isEqualTo(body);
  }

  @Test
  void emptyGzipDocumentDecodesToNothing() {
    assertThat(BodyDecoder.decode(Encoding.GZIP, gzip(new byte[0]), MIB)).isEmpty();
  }

  @Test
  void decompressedSizeExactlyAtTheLimitPassesAndOneByteMoreDoesNot() {
    byte[] body = text(50_000);

    assertThat(BodyDecoder.decode(Encoding.GZIP, gzip(body), 50_000)).isEqualTo(body);
    assertThat(refusal(Encoding.GZIP, gzip(body), 49_999).code()).isEqualTo("body_too_large");
    assertThat(BodyDecoder.decode(Encoding.ZSTD, Zstd.compress(body), 50_000)).isEqualTo(body);
    assertThat(refusal(Encoding.ZSTD, Zstd.compress(body), 49_999).code()).isEqualTo("body_too_large");
  }

  @Test
  void gzipBombIsRefusedQuicklyAtTheLimit() {
    byte[] bomb = gzipZeros(64L * MIB);
    assertThat(bomb.length).isLessThan(MIB / 4);

    ApiException e = assertTimeout(Duration.ofSeconds(2), () -> refusal(Encoding.GZIP, bomb, MIB));

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(413);
    assertThat(e.code()).isEqualTo("body_too_large");
  }

  @Test
  void zstdBombIsRefusedQuicklyAtTheLimit() {
    byte[] bomb = Zstd.compress(new byte[64 * MIB]);

    ApiException e = assertTimeout(Duration.ofSeconds(2), () -> refusal(Encoding.ZSTD, bomb, MIB));

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("body_too_large");
  }

  @Test
  void bodyThatIsNotGzipIsMalformedEncoding() {
    ApiException e = refusal(Encoding.GZIP, text(200), MIB);

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("malformed_encoding");
  }

  @Test
  void truncatedGzipIsMalformedEncoding() {
    byte[] gz = gzip(text(10_000));

    ApiException e = refusal(Encoding.GZIP, Arrays.copyOf(gz, gz.length / 2), MIB);

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("malformed_encoding");
  }

  @Test
  void gzipWithACorruptChecksumIsMalformedEncoding() {
    byte[] gz = gzip(text(10_000));
    gz[gz.length - 6] ^= 0x5a; // inside the CRC-32 of the trailer

    ApiException e = refusal(Encoding.GZIP, gz, MIB);

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("malformed_encoding");
  }

  @Test
  void bodyThatIsNotZstdIsMalformedEncoding() {
    ApiException e = refusal(Encoding.ZSTD, text(200), MIB);

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("malformed_encoding");
  }

  @Test
  void concatenatedGzipMembersDecodeFully() {
    byte[] first = text(20_000);
    byte[] second = "and the second member".getBytes(StandardCharsets.UTF_8);

    byte[] decoded = BodyDecoder.decode(Encoding.GZIP, concat(gzip(first), gzip(second)), MIB);

    assertThat(decoded).isEqualTo(concat(first, second));
  }

  @Test
  void unknownEncodingIsUnsupported() {
    ApiException e = catchThrowableOfType(ApiException.class, () -> BodyDecoder.encoding("br"));

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(415);
    assertThat(e.code()).isEqualTo("unsupported_encoding");
  }

  @Test
  void encodingNamesAreReadLeniently() {
    assertThat(BodyDecoder.encoding(null)).isEqualTo(Encoding.IDENTITY);
    assertThat(BodyDecoder.encoding("identity")).isEqualTo(Encoding.IDENTITY);
    assertThat(BodyDecoder.encoding(" GZIP ")).isEqualTo(Encoding.GZIP);
    assertThat(BodyDecoder.encoding("x-gzip")).isEqualTo(Encoding.GZIP);
    assertThat(BodyDecoder.encoding("zstd")).isEqualTo(Encoding.ZSTD);
  }
}
