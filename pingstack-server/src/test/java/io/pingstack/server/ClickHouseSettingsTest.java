package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.engine.clickhouse.ClickHouseConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClickHouseSettingsTest {
  @TempDir Path dir;

  @Test
  void withoutAUrlTheEmbeddedStoreServes() {
    assertThat(ServerConfig.load(Servers.env(dir)).clickhouse()).isNull();
  }

  @Test
  void everySettingReachesTheStoreAndThePasswordComesFromItsFile() throws Exception {
    Path password = Files.writeString(dir.resolve("ch-password"), "s3cret\n");
    ClickHouseConfig config = ServerConfig.load(Servers.env(dir,
        "PINGSTACK_CLICKHOUSE_URL", "http://127.0.0.1:8123",
        "PINGSTACK_CLICKHOUSE_DATABASE", "telemetry",
        "PINGSTACK_CLICKHOUSE_USER", "ingest",
        "PINGSTACK_CLICKHOUSE_PASSWORD_FILE", password.toString(),
        "PINGSTACK_CLICKHOUSE_DIMENSIONS", "os, lang",
        "PINGSTACK_CLICKHOUSE_METRICS", "latency_ms",
        "PINGSTACK_CLICKHOUSE_FLUSH_INTERVAL", "250ms",
        "PINGSTACK_CLICKHOUSE_MAX_INSERT_ROWS", "50000",
        "PINGSTACK_CLICKHOUSE_RETENTION", "365d",
        "PINGSTACK_NODE_NAME", "edge-3")).clickhouse();
    assertThat(config.url().toString()).isEqualTo("http://127.0.0.1:8123");
    assertThat(config.database()).isEqualTo("telemetry");
    assertThat(config.user()).isEqualTo("ingest");
    assertThat(config.password()).isEqualTo("s3cret");
    assertThat(config.node()).isEqualTo("edge-3");
    assertThat(config.dimensions()).containsExactly("os", "lang");
    assertThat(config.metrics()).containsExactly("latency_ms");
    assertThat(config.flushInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.maxInsertRows()).isEqualTo(50_000);
    assertThat(config.retention()).isEqualTo(Duration.ofDays(365));
    assertThat(List.of(config.toString())).noneMatch(s -> s.contains("s3cret"));
  }

  @Test
  void badSettingsFailTheStartWithTheirName() {
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_CLICKHOUSE_URL", "127.0.0.1:8123")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("clickhouse.url");
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_CLICKHOUSE_URL", "http://127.0.0.1:8123",
        "PINGSTACK_CLICKHOUSE_DATABASE", "a-b"))).isInstanceOf(ConfigException.class).hasMessageContaining("clickhouse.database");
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_CLICKHOUSE_URL", "http://127.0.0.1:8123",
        "PINGSTACK_CLICKHOUSE_PASSWORD_FILE", dir.resolve("missing").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("clickhouse.password_file");
  }
}
