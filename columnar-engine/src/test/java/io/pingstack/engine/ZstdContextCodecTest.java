package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.arrow.compression.ZstdCompressionCodec;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

class ZstdContextCodecTest {
  /** Repetitive bytes (compressible), random ones (stored raw by Arrow), and none, through one kept context. */
  @Test
  void buffersOfEverySizeAndKindReadBackThroughArrowsOwnCodecWithTheContextReused() {
    Random random = new Random(7);
    int[] sizes = {1_000_000, 0, 13, 200_000, 4_096, 3_000_000, 1};
    try (BufferAllocator allocator = new RootAllocator();
        ZstdContextCodec codec = new ZstdContextCodec()) {
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
            assertThat(compressed.writerIndex()).isLessThan(size / 4);
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
}
