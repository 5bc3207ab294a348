package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FreshnessProbeTest {

  @Test
  void probeReportsTheDelayTheServerPutsBetweenAckAndVisibility() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ofMillis(200), Duration.ZERO)) {
      FreshnessResult result = FreshnessProbe.run(FreshnessOptions.parse("--url", server.url().toString(),
          "--samples", "4", "--pause", "0", "--event", "probe.test"));

      assertThat(result.visible()).isEqualTo(4);
      assertThat(result.timedOut()).isZero();
      assertThat(result.unexpected()).isZero();
      assertThat(result.errors()).isEmpty();
      assertThat(result.p50Millis()).as("the injected 200 ms, less the ack's own transit").isGreaterThanOrEqualTo(150);
      assertThat(result.maxMillis()).isLessThan(5_000);
      assertThat(result.polls()).isGreaterThan(4);
      assertThat(server.pings()).isEqualTo(4);
    }
  }

  @Test
  void pingsOfEarlierRunsInTheSameMinuteDoNotMakeAPingLookVisibleEarly() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ofMillis(150), Duration.ZERO)) {
      FreshnessOptions options = FreshnessOptions.parse("--url", server.url().toString(), "--samples", "2",
          "--pause", "0", "--event", "probe.test");
      FreshnessProbe.run(options);
      FreshnessResult second = FreshnessProbe.run(options);

      assertThat(second.visible()).isEqualTo(2);
      assertThat(second.p50Millis()).isGreaterThanOrEqualTo(100);
    }
  }

  @Test
  void pingsThatNeverShowTimeOut() throws Exception {
    try (StandInIngestServer server = StandInIngestServer.startWithRollups(Duration.ofMinutes(10), Duration.ZERO)) {
      FreshnessResult result = FreshnessProbe.run(FreshnessOptions.parse("--url", server.url().toString(),
          "--samples", "2", "--pause", "0", "--timeout", "0.3"));

      assertThat(result.visible()).isZero();
      assertThat(result.timedOut()).isEqualTo(2);
      assertThat(result.allVisible()).isFalse();
    }
  }

  @Test
  void countsOfEveryPointOfEverySeriesAreSummed() throws Exception {
    String answer = "{\"event\": \"e\", \"step\": \"1m\", \"from\": \"2026-11-20T00:00:00Z\", \"to\": \"2026-11-20T00:01:00Z\","
        + " \"series\": [{\"group\": {\"version\": \"1\"}, \"points\": [{\"t\": \"2026-11-20T00:00:00Z\", \"count\": 3,"
        + " \"p95\": 2.5}]}, {\"group\": {\"version\": \"2\"}, \"points\": [{\"t\": \"x\", \"count\": 4}, {\"t\": \"y\", \"count\": null}]}]}";

    assertThat(FreshnessProbe.sumOfCounts(answer.getBytes(StandardCharsets.UTF_8))).isEqualTo(7);
    assertThat(FreshnessProbe.sumOfCounts("{\"series\": []}".getBytes(StandardCharsets.UTF_8))).isZero();
  }
}
