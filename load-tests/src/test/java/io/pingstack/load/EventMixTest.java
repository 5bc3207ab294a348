package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.PingRules;
import io.pingstack.model.ProtoPings;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EventMixTest {
  private static final long NOW = 1_795_000_000_123L;
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  @Test
  void fiftyFeatureEventsAreValidlyNamedWithOneToThreeMetricsAndOneOrTwoDimensions() {
    EventMix mix = EventMix.features(50, 1);

    assertThat(mix.shapes()).hasSize(50);
    assertThat(mix.shapes()).extracting(EventMix.Shape::name).doesNotHaveDuplicates()
        .allMatch(name -> EventMix.EVENT_NAME.matcher(name).matches())
        .contains("feature1.used", "feature50.used");
    for (EventMix.Shape shape : mix.shapes()) {
      assertThat(shape.metrics()).hasSizeBetween(1, 3)
          .allMatch(m -> EventMix.EVENT_NAME.matcher(m.name()).matches());
      assertThat(shape.dimensions()).hasSizeBetween(1, 2);
    }
    assertThat(mix.dimensionKeys()).isSubsetOf(EventMix.POOL_DIMENSIONS.stream().map(EventMix.Dimension::key).toList());
  }

  @Test
  void featureSharesFollowZipf() {
    EventMix mix = EventMix.features(50, 1);

    double sum = 0;
    for (int i = 0; i < 50; i++) {
      sum += mix.share(i);
      assertThat(mix.share(i) * (i + 1)).isCloseTo(mix.share(0), within(1e-12));
    }
    assertThat(sum).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void generatedPingsFollowTheSharesAndCarryTheirEventsDeclaredKeys() throws Exception {
    EventMix mix = EventMix.features(50, 1);
    PingBodies bodies = new PingBodies(new PingTemplates(1, 5000, mix), null, "mix", 0, 1);
    Map<String, Integer> seen = new HashMap<>();
    Map<String, EventMix.Shape> shapes = mix.shapes().stream().collect(Collectors.toMap(EventMix.Shape::name, s -> s));
    Map<String, List<Set<String>>> keys = mix.shapes().stream().collect(Collectors.toMap(EventMix.Shape::name, s -> List.of(
        s.metrics().stream().map(EventMix.Metric::name).collect(Collectors.toSet()),
        s.dimensions().stream().map(EventMix.Dimension::key).collect(Collectors.toSet()))));
    List<Ping> strangers = new ArrayList<>();
    int total = 0;
    for (int request = 0; request < 5; request++) {
      ByteBuf body = Unpooled.buffer();
      bodies.write(body, 10_000, NOW);
      byte[] bytes = ByteBufUtil.getBytes(body);
      if (request == 0) {
        DecodedBatch decoded = ProtoPings.decode(bytes, 0, bytes.length, RULES, NOW, 10_000);
        assertThat(decoded.rejected()).as("pings the server would refuse").isEmpty();
      }
      for (Ping ping : PingBatch.parseFrom(bytes).getPingsList()) {
        EventMix.Shape shape = shapes.get(ping.getEvent());
        if (shape == null || !ping.getMetricsMap().keySet().equals(keys.get(shape.name()).get(0))
            || !ping.getDimensionsMap().keySet().equals(keys.get(shape.name()).get(1))) {
          strangers.add(ping);
        }
        seen.merge(ping.getEvent(), 1, Integer::sum);
        total++;
      }
    }

    assertThat(strangers).as("pings whose event, metric keys or dimension keys are not their shape's").isEmpty();
    assertThat(seen).hasSize(50);
    for (int i = 0; i < 50; i++) {
      double expected = mix.share(i) * total;
      // Five standard deviations of the sampling, plus the rounding of the share to 1/4096.
      double tolerance = 5 * Math.sqrt(expected) + (double) total / PingTemplates.EVENT_VARIANTS;
      assertThat((double) seen.get(mix.shapes().get(i).name()))
          .as("pings of %s", mix.shapes().get(i).name()).isCloseTo(expected, within(tolerance));
    }
    assertThat(seen.get("feature1.used")).isGreaterThan(5 * seen.get("feature10.used"));
  }

  @Test
  void productMixIsTheFiveProductEventsInEqualShares() {
    EventMix mix = EventMix.product();

    assertThat(mix.shapes()).extracting(EventMix.Shape::name).containsExactly(
        "search.executed", "code_intel.hover", "batch_changes.applied", "user.signed_in", "insights.viewed");
    assertThat(List.of(mix.share(0), mix.share(4))).allMatch(share -> Math.abs(share - 0.2) < 1e-12);
    assertThat(mix.dimensionKeys()).containsExactly("auth_provider", "client", "code_host", "language", "search_type", "view");
  }
}
