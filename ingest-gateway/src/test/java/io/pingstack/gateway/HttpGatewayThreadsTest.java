package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.MultithreadEventExecutorGroup;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpGatewayThreadsTest {
  @Test
  void theConnectionsAreServedByAsManyEventLoopsAsConfigured() {
    GatewayConfig d = GatewayConfig.defaults();
    GatewayConfig three = new GatewayConfig("127.0.0.1", 0, d.node(), d.maxWireBytes(), d.maxDecompressedBytes(),
        d.maxPingsPerBatch(), d.maxHeaderBytes(), d.idleTimeout(), d.requestDeadline(), d.maxInflightBytes(),
        0, 0, d.tokens(), d.maxPingAge(), d.dedupWindow(), d.dedupMaxEntries(), 3);
    try (HttpGateway gateway = HttpGateway.start(three, new InMemoryWal(), Map.of(), GatewayMetrics.NOOP)) {
      assertThat(((MultithreadEventExecutorGroup) gateway.workerGroup()).executorCount()).isEqualTo(3);
    }
  }
}
