package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.PingRules;
import io.pingstack.model.ProtoPings;
import io.pingstack.model.proto.Ping;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PingBodiesTest {
  private static final long NOW = 1_795_000_000_123L;
  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);

  @Test
  void everyGeneratedPingIsValidUniqueAndFromTheConfiguredInstances() throws Exception {
    PingTemplates templates = new PingTemplates(7, 50, EventMix.product());
    Set<String> ids = new HashSet<>();
    Set<String> instances = new HashSet<>();
    Set<String> events = new HashSet<>();
    for (int connection = 0; connection < 2; connection++) {
      PingBodies bodies = new PingBodies(templates, null, "run1", connection, 7);
      for (int request = 0; request < 3; request++) {
        ByteBuf body = Unpooled.buffer();
        bodies.write(body, 100, NOW);
        assertThat(body.readableBytes()).isLessThanOrEqualTo(bodies.maxBodySize(100));

        byte[] bytes = ByteBufUtil.getBytes(body);
        DecodedBatch decoded = ProtoPings.decode(bytes, 0, bytes.length, RULES, NOW, 10_000);
        assertThat(decoded.rejected()).isEmpty();
        assertThat(decoded.valid()).hasSize(100);
        for (Ping ping : decoded.valid()) {
          ids.add(ping.getPingId());
          instances.add(ping.getInstanceId());
          events.add(ping.getEvent());
          assertThat(ping.getMetricsCount()).isBetween(2, 3);
          assertThat(ping.getDimensionsCount()).isBetween(1, 2);
          assertThat(ping.getVersion()).isNotEmpty();
          assertThat(ping.getDeployType()).isNotEmpty();
          assertThat(ping.getTimestamp().getSeconds() * 1000 + ping.getTimestamp().getNanos() / 1_000_000).isEqualTo(NOW);
        }
      }
    }
    assertThat(ids).hasSize(600);
    assertThat(instances).hasSizeBetween(2, 50);
    assertThat(events).hasSizeGreaterThan(2);
  }

  @Test
  void spreadTimestampsFillTheSpreadAndNeverLeaveIt() throws Exception {
    Duration spread = Duration.ofDays(7);
    TimestampTable table = new TimestampTable(NOW, spread, 3);
    PingBodies bodies = new PingBodies(new PingTemplates(3, 20, EventMix.features(50, 3)), table, "run3", 0, 3);
    ByteBuf body = Unpooled.buffer();
    bodies.write(body, 5000, NOW + 60_000);

    byte[] bytes = ByteBufUtil.getBytes(body);
    DecodedBatch decoded = ProtoPings.decode(bytes, 0, bytes.length, RULES, NOW + 60_000, 10_000);
    assertThat(decoded.rejected()).isEmpty();
    Set<Long> days = new HashSet<>();
    Set<Long> distinct = new HashSet<>();
    for (Ping ping : decoded.valid()) {
      long millis = ping.getTimestamp().getSeconds() * 1000 + ping.getTimestamp().getNanos() / 1_000_000;
      assertThat(millis).isBetween(NOW - spread.toMillis(), NOW);
      days.add((NOW - millis) / Duration.ofDays(1).toMillis());
      distinct.add(millis);
    }
    assertThat(days).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(distinct).hasSizeGreaterThan(4500);
  }

  @Test
  void bodyOfOnePingIsThatPingAlone() throws Exception {
    PingBodies bodies = new PingBodies(new PingTemplates(1, 1, EventMix.product()), null, "run2", 3, 1);
    ByteBuf body = Unpooled.buffer();
    bodies.write(body, 1, NOW);
    bodies.write(body.clear(), 1, NOW);

    byte[] bytes = ByteBufUtil.getBytes(body);
    DecodedBatch decoded = ProtoPings.decode(bytes, 0, bytes.length, RULES, NOW, 10_000);
    assertThat(decoded.valid()).extracting(Ping::getPingId).containsExactly("run2-3-1");
  }
}
