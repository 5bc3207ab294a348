package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpSettingsTest {
  @TempDir Path dir;

  @Test
  void eventLoopThreadsDefaultToTheProcessorsAndStayBetween1And1024() {
    assertThat(ServerConfig.load(Servers.env(dir)).gateway().eventLoopThreads())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_HTTP_EVENT_LOOP_THREADS", "3")).gateway().eventLoopThreads())
        .isEqualTo(3);
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_HTTP_EVENT_LOOP_THREADS", "1024")).gateway().eventLoopThreads())
        .isEqualTo(1024);
    for (String bad : new String[] {"0", "-2", "1025"}) {
      assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_HTTP_EVENT_LOOP_THREADS", bad)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("http.event_loop_threads");
    }
  }
}
