package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Test;

class Utf8StringsTest {
  @Test
  void equalBytesGiveTheSameStringAndEveryValueReadsBackWhateverCollides() {
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 3 * Utf8Strings.SLOTS; i++) {
      written.add("inst-" + i); // more values than slots: collisions are certain
    }
    written.add("");
    written.add("ünïcode/✓");
    written.add("x".repeat(Utf8Strings.MAX_CACHED));
    written.add("y".repeat(Utf8Strings.MAX_CACHED + 1));
    try (BufferAllocator allocator = new RootAllocator();
        VarCharVector vector = new VarCharVector("s", allocator)) {
      vector.allocateNew();
      for (int i = 0; i < written.size(); i++) {
        vector.setSafe(i, written.get(i).getBytes(StandardCharsets.UTF_8));
      }
      vector.setSafe(written.size(), "inst-7".getBytes(StandardCharsets.UTF_8));
      byte[] malformed = {'a', (byte) 0xC3, 'b'}; // a truncated two-byte sequence
      vector.setSafe(written.size() + 1, malformed);
      vector.setValueCount(written.size() + 2);

      Utf8Strings strings = new Utf8Strings();
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < written.size(); i++) {
          assertThat(strings.get(vector, i)).isEqualTo(written.get(i));
        }
      }
      String first = strings.get(vector, 7);
      assertThat(strings.get(vector, written.size())).isSameAs(first).isEqualTo("inst-7");
      String decoded = new String(malformed, StandardCharsets.UTF_8);
      assertThat(strings.get(vector, written.size() + 1)).isEqualTo(decoded);
      assertThat(strings.get(vector, written.size() + 1)).isEqualTo(decoded);
    }
  }
}
