package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.arrow.compression.ZstdCompressionCodec;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ZstdContextCodecTest {
  /** Repetitive bytes (compressible), random ones (stored raw by Arrow), and none, through one kept context. */
  @ParameterizedTest
  @ValueSource(ints = {-5, 1, 3, 19})
  void buffersOfEverySizeAndKindReadBackThroughArrowsOwnCodecWithTheContextReused(int level) {
    Random random = new Random(7);
    int[] sizes = {1_000_000, 0, 13, 200_000, 4_096, 3_000_000, 1};
    try (BufferAllocator allocator = new RootAllocator();
        ZstdContextCodec codec = new ZstdContextCodec(level)) {
      ZstdCompressionCodec arrows = new ZstdCompressionCodec();
      for (int round = 0; round < 2; round++) {
        for (int size : sizes) {
          boolean compressible = round == 0;
          byte[] bytes = new byte[size];
          if (compressible) {
            for (int i = 0; i < size; i++) {
              bytes[i] = (byte) ("inst-" + (i / 97 % 50)).charAt(i % 7 % 6);
            }
          } else {
            random.nextBytes(bytes);
          }
          ArrowBuf raw = allocator.buffer(Math.max(1, size));
          raw.setBytes(0, bytes);
          raw.writerIndex(size);

          ArrowBuf compressed = codec.compress(allocator, raw); // takes raw
          if (compressible && size >= 4_096) {
            assertThat(compressed.writerIndex()).isLessThan(size / 3);
          }
          try (ArrowBuf back = arrows.decompress(allocator, compressed)) { // takes compressed
            byte[] read = new byte[size];
            back.getBytes(0, read);
            assertThat(back.writerIndex()).isEqualTo(size);
            assertThat(read).isEqualTo(bytes);
          }
        }
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void theLevelIsTheOneTheBuffersAreCompressedAt() {
    Random random = new Random(11);
    StringBuilder text = new StringBuilder();
    while (text.length() < 1_000_000) { // rows of a small vocabulary: the stronger level finds more matches
      text.append("event_").append(random.nextInt(50)).append(" v").append(random.nextInt(10)).append('.')
          .append(random.nextInt(10)).append(" instance-").append(random.nextInt(5000)).append('\n');
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
    try (BufferAllocator allocator = new RootAllocator();
        ZstdContextCodec fast = new ZstdContextCodec(1);
        ZstdContextCodec strong = new ZstdContextCodec(19)) {
      long[] sizes = new long[2];
      ZstdContextCodec[] codecs = {fast, strong};
      for (int i = 0; i < 2; i++) {
        ArrowBuf raw = allocator.buffer(bytes.length);
        raw.setBytes(0, bytes);
        raw.writerIndex(bytes.length);
        try (ArrowBuf compressed = codecs[i].compress(allocator, raw)) {
          sizes[i] = compressed.writerIndex();
        }
      }
      assertThat(sizes[1]).isLessThan(sizes[0] * 9 / 10);
    }
  }
}
