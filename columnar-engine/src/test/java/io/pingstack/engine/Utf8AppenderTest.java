package io.pingstack.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Test;

/** The appender leaves a vector exactly as Arrow's setSafe does, through growth, resets and new buffers. */
class Utf8AppenderTest {
  @Test
  void leavesTheVectorAsSetSafeDoesThroughGrowthRollbackAndNewBuffers() {
    Random random = new Random(3);
    byte[] source = new byte[4096];
    random.nextBytes(source);
    try (BufferAllocator allocator = new RootAllocator();
        VarCharVector appended = new VarCharVector("appended", allocator);
        VarCharVector expected = new VarCharVector("expected", allocator)) {
      appended.setInitialCapacity(4, 1);
      appended.allocateNew();
      expected.allocateNew();
      Utf8Appender appender = new Utf8Appender(appended);
      for (int round = 0; round < 6; round++) {
        int rows = 1 + random.nextInt(3000);
        boolean rolledBack = false;
        for (int i = 0; i < rows; i++) {
          int length = random.nextInt(10) == 0 ? random.nextInt(600) : random.nextInt(12);
          int start = random.nextInt(source.length - length);
          if (i == rows / 3 && i > 0) {
            i++; // a row left out: Arrow fills the hole, a null
            rows++;
          }
          appender.append(i, source, start, length);
          expected.setSafe(i, source, start, length);
          if (i == rows / 2 && round % 2 == 1 && !rolledBack) {
            rolledBack = true;
            // A rollback to an earlier row, as when a record does not fit: the next value goes there.
            int back = random.nextInt(i + 1);
            appended.setLastSet(back - 1);
            expected.setLastSet(back - 1);
            i = back - 1;
          }
        }
        assertSame(appended, expected, rows);
        if (round == 3) {
          appended.clear(); // new buffers, as after an allocation failure
          appended.allocateNew();
          appender.forget();
        } else {
          appended.reset();
        }
        expected.reset();
      }
    }
  }

  private static void assertSame(VarCharVector appended, VarCharVector expected, int rows) {
    assertThat(appended.getLastSet()).isEqualTo(expected.getLastSet()).isEqualTo(rows - 1);
    appended.setValueCount(rows);
    expected.setValueCount(rows);
    int nulls = 0;
    for (int i = 0; i < rows; i++) {
      assertThat(appended.isNull(i)).as("row %d", i).isEqualTo(expected.isNull(i));
      assertThat(appended.getStartOffset(i)).as("row %d", i).isEqualTo(expected.getStartOffset(i));
      assertThat(appended.get(i)).as("row %d", i).isEqualTo(expected.get(i));
      nulls += appended.isNull(i) ? 1 : 0;
    }
    assertThat(nulls).isLessThanOrEqualTo(1);
    assertThat(appended.getStartOffset(rows)).isEqualTo(expected.getStartOffset(rows));
  }
}
