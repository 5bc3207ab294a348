package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimesTest {
  @Test
  void formatWritesWhatInstantWritesForEveryMillisecondFrom1970To9999() {
    SplittableRandom random = new SplittableRandom(7);
    char[] buffer = new char[32];
    long[] edges = {0, 1, 999, 86_399_999, 951_782_400_000L, 4_107_542_400_000L, Times.MAX_MILLIS};
    for (long millis : edges) {
      assertThat(new String(buffer, 0, Times.format(millis, buffer))).isEqualTo(Instant.ofEpochMilli(millis).toString());
    }
    for (int i = 0; i < 20_000; i++) {
      long millis = random.nextLong(Times.MAX_MILLIS + 1);
      if (i % 2 == 0) {
        millis -= millis % 1000;
      }
      assertThat(new String(buffer, 0, Times.format(millis, buffer)))
          .as("%d", millis).isEqualTo(Instant.ofEpochMilli(millis).toString());
    }
  }

  @Test
  void formatFallsBackToInstantOutsideFourDigitYears() {
    assertThat(Times.format(-1)).isEqualTo("1969-12-31T23:59:59.999Z");
    assertThat(Times.format(Times.MAX_MILLIS + 1)).isEqualTo("+10000-01-01T00:00:00Z");
  }

  @ParameterizedTest
  @CsvSource({
      "2026-11-21T10:00:00Z, 2026-11-21T10:00:00Z",
      "2026-11-21t10:00:00z, 2026-11-21T10:00:00Z",
      "2026-11-21T12:30:00+02:30, 2026-11-21T10:00:00Z",
      "2026-11-21T05:00:00-05:00, 2026-11-21T10:00:00Z",
      "2026-11-21T10:00:00.5Z, 2026-11-21T10:00:00.500Z",
      "2026-11-21T10:00:00.123456789Z, 2026-11-21T10:00:00.123Z",
      "2026-11-21 10:00:00Z, 2026-11-21T10:00:00Z",
      "2026-11-21T11:00:00 01:00, 2026-11-21T10:00:00Z",
      "1795255200000, 2026-11-21T10:00:00Z",
      "0, 1970-01-01T00:00:00Z",
  })
  void parseReadsRfc3339AndEpochMillis(String text, String instant) {
    assertThat(Times.parse(text)).isEqualTo(Instant.parse(instant).toEpochMilli());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "now", "2026-11-21", "2026-11-21T10:00:00", "2026-02-30T00:00:00Z",
      "2026-11-21T25:00:00Z", "-1", "1.5", "1e12", "9999999999999999", "253402300800000",
      "1969-12-31T23:59:59Z", "+10000-01-01T00:00:00Z", "2026-11-21T10:00:00Z ", "0x10"})
  void parseRefusesEverythingElse(String text) {
    assertThat(Times.parse(text)).isEqualTo(-1);
  }
}
