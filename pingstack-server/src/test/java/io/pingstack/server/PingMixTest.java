package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.PingRules;
import io.pingstack.model.Reason;
import io.pingstack.model.proto.Ping;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PingMixTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  private static final PingMix MIX = new PingMix(42, 20_000, NOW);

  @Test
  void sameSeedGivesTheSamePingsInTheSameOrder() {
    PingMix again = new PingMix(42, 20_000, NOW);
    assertThat(again.stream()).isEqualTo(MIX.stream());
    for (int i = 0; i < 1000; i += 37) {
      assertThat(again.valid(i)).isEqualTo(MIX.valid(i));
      assertThat(again.invalid(i % MIX.invalid())).isEqualTo(MIX.invalid(i % MIX.invalid()));
    }
    assertThat(new PingMix(43, 40_000, NOW).valid(5)).isNotEqualTo(MIX.valid(5));
  }

  @Test
  void streamSendsEveryValidPingBeforeItsResendsAndEveryInvalidPingOnce() {
    int[] stream = MIX.stream();
    assertThat(stream).hasSize(MIX.unique() + MIX.duplicates() + MIX.invalid());
    assertThat(MIX.duplicates()).isEqualTo(1000);
    assertThat(MIX.invalid()).isEqualTo(200);
    int[] firstSeen = new int[MIX.unique()];
    java.util.Arrays.fill(firstSeen, -1);
    Set<Integer> invalid = new HashSet<>();
    int resends = 0;
    int resentWithinABatch = 0;
    int resentFarLater = 0;
    for (int pos = 0; pos < stream.length; pos++) {
      int e = stream[pos];
      if (e < 0) {
        assertThat(invalid.add(-e - 1)).as("invalid ping %d sent once", -e - 1).isTrue();
      } else if (firstSeen[e] < 0) {
        firstSeen[e] = pos;
      } else {
        resends++;
        resentWithinABatch += pos - firstSeen[e] < 800 ? 1 : 0;
        resentFarLater += pos - firstSeen[e] > 5_000 ? 1 : 0;
      }
    }
    assertThat(firstSeen).doesNotContain(-1);
    assertThat(invalid).hasSize(MIX.invalid());
    assertThat(resends).isEqualTo(MIX.duplicates());
    assertThat(resentWithinABatch).as("re-sent soon: same or next batch").isGreaterThan(resends / 2);
    assertThat(resentFarLater).as("re-sent much later").isGreaterThan(resends / 20);
  }

  @Test
  void validPingsPassTheServiceRulesAndInvalidOnesFailForTheirReason() {
    PingRules rules = new PingRules(PingRules.DEFAULT_MAX_AGE);
    long now = NOW.toEpochMilli();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < MIX.unique(); i++) {
      Ping ping = MIX.valid(i);
      assertThat(rules.check(ping, now)).as("ping %d: %s", i, ping).isNull();
      assertThat(keys.add(ping.getInstanceId() + "/" + ping.getPingId())).isTrue();
    }
    Map<Reason, Integer> reasons = new HashMap<>();
    for (int j = 0; j < MIX.invalid(); j++) {
      Reason reason = rules.check(MIX.invalid(j), now);
      assertThat(reason).as("invalid ping %d", j).isEqualTo(PingMix.invalidReason(j));
      reasons.merge(reason, 1, Integer::sum);
    }
    assertThat(reasons.keySet()).containsExactlyInAnyOrder(Reason.INVALID_EVENT, Reason.TIMESTAMP_IN_FUTURE, Reason.TIMESTAMP_TOO_OLD);
  }

  @Test
  void pingsSpreadOverSkewedEventsEveryPropertyAndLateTimes() {
    Map<String, Integer> events = new HashMap<>();
    Set<String> versions = new HashSet<>();
    Set<String> deployTypes = new HashSet<>();
    Set<String> plans = new HashSet<>();
    Set<String> regions = new HashSet<>();
    Set<String> instances = new HashSet<>();
    int withoutRegion = 0;
    int withUndeclared = 0;
    int late = 0;
    int zeros = 0;
    int negatives = 0;
    int withPayload = 0;
    List<String> outOfRange = new ArrayList<>();
    long now = NOW.toEpochMilli();
    for (int i = 0; i < MIX.unique(); i++) {
      Ping ping = MIX.valid(i);
      events.merge(ping.getEvent(), 1, Integer::sum);
      versions.add(ping.getVersion());
      deployTypes.add(ping.getDeployType());
      plans.add(ping.getDimensionsOrThrow("plan"));
      instances.add(ping.getInstanceId());
      String region = ping.getDimensionsOrDefault("region", null);
      if (region == null) {
        withoutRegion++;
      } else {
        regions.add(region);
      }
      withUndeclared += ping.containsDimensions(PingMix.UNDECLARED_DIMENSION) ? 1 : 0;
      withPayload += ping.getPayload().isEmpty() ? 0 : 1;
      long age = now - PingMix.millis(ping);
      boolean isLate = age > PingMix.RECENT.toMillis();
      late += isLate ? 1 : 0;
      if (isLate ? age < PingMix.LATE_FROM.toMillis() || age > PingMix.LATE_TO.toMillis()
          : age < Duration.ofMinutes(1).toMillis() || age > PingMix.RECENT.toMillis()) {
        outOfRange.add(ping.getPingId() + " is " + Duration.ofMillis(age) + " old");
      }
      if (!ping.containsMetrics(PingMix.METRICS.get(PingMix.EVENTS.indexOf(ping.getEvent())).get(0))) {
        outOfRange.add(ping.getPingId() + " lacks its event's first metric");
      }
      for (double v : ping.getMetricsMap().values()) {
        zeros += v == 0 ? 1 : 0;
        negatives += v < 0 ? 1 : 0;
        if (v != 0 && Math.abs(v) < 0.001) {
          outOfRange.add(ping.getPingId() + " has a magnitude below 0.001: " + v);
        }
      }
    }
    assertThat(outOfRange).isEmpty();
    assertThat(events.keySet()).containsExactlyInAnyOrderElementsOf(PingMix.EVENTS);
    assertThat(events.get(PingMix.EVENTS.get(0))).as("skewed").isGreaterThan(5 * events.get(PingMix.EVENTS.get(5)));
    assertThat(versions).containsExactlyInAnyOrderElementsOf(PingMix.VERSIONS);
    assertThat(deployTypes).containsExactlyInAnyOrderElementsOf(PingMix.DEPLOY_TYPES);
    assertThat(plans).containsExactlyInAnyOrderElementsOf(PingMix.PLANS);
    assertThat(regions).containsExactlyInAnyOrderElementsOf(PingMix.REGIONS);
    assertThat(instances.size()).isBetween(2000, PingMix.INSTANCES);
    assertThat(withoutRegion).isBetween(MIX.unique() / 20, MIX.unique() / 3);
    assertThat(withUndeclared).isBetween(MIX.unique() / 3, 2 * MIX.unique() / 3);
    assertThat(late).as("late pings, about 0.5 %%").isBetween(MIX.unique() / 400, MIX.unique() / 100);
    assertThat(zeros).isPositive();
    assertThat(negatives).isPositive();
    assertThat(withPayload).isEqualTo(MIX.unique() / 10);
  }
}
