package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.wal.WalConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalAndAdminSettingsTest {
  @TempDir Path dir;

  @Test
  void retentionMaxBytesTakesSizeSuffixesAndDefaultsToNoLimit() {
    assertThat(ServerConfig.load(Servers.env(dir)).wal().retentionMaxBytes()).isZero();
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_RETENTION_MAX_BYTES", "10GiB")).wal().retentionMaxBytes())
        .isEqualTo(10L << 30);
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_RETENTION_MAX_BYTES", "-1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("wal.retention_max_bytes");
  }

  @Test
  void thePageCacheKeepsTheNewestGibibyteByDefault() {
    assertThat(ServerConfig.load(Servers.env(dir)).wal().pageCacheKeepBytes()).isEqualTo(1L << 30);
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_PAGE_CACHE_KEEP_BYTES", "256MiB")).wal().pageCacheKeepBytes())
        .isEqualTo(256L << 20);
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_PAGE_CACHE_KEEP_BYTES", "0")).wal().pageCacheKeepBytes()).isZero();
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_PAGE_CACHE_KEEP_BYTES", "-1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("wal.page_cache_keep_bytes");
  }

  @Test
  void theLogStoresRecordsAsTheyAreUnlessToldZstd() {
    assertThat(ServerConfig.load(Servers.env(dir)).wal().compression()).isEqualTo(WalConfig.Compression.NONE);
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_COMPRESSION", "ZSTD")).wal().compression())
        .isEqualTo(WalConfig.Compression.ZSTD);
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_COMPRESSION", "lz4")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("wal.compression must be zstd or none");
  }

  @Test
  void aChoiceTakesItsValuesInAnyCaseAndNamesThemWhenGivenAnother() {
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_SYNC", "None")).wal().sync()).isEqualTo(WalConfig.Sync.NONE);
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_WAL_SYNC", "fsync")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("wal.sync must be group or none: fsync");
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_SOURCEGRAPH_INIT_ADMIN", "keep")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("sourcegraph.init_admin must be drop or hash: keep");
  }

  @Test
  void theColdStoreCompressesAtZstdLevel1ByDefault() {
    assertThat(ServerConfig.load(Servers.env(dir)).cold().zstdLevel()).isEqualTo(1);
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_COLD_ZSTD_LEVEL", "19")).cold().zstdLevel()).isEqualTo(19);
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_COLD_ZSTD_LEVEL", "-3")).cold().zstdLevel()).isEqualTo(-3);
    for (String bad : new String[] {"23", "fast"}) {
      assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_COLD_ZSTD_LEVEL", bad)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("cold.zstd_level");
    }
  }

  @Test
  void theAdminTokenIsTheFirstLineOfItsFileAndAnEmptyFileStopsTheStart() throws IOException {
    assertThat(ServerConfig.load(Servers.env(dir)).adminToken()).as("open admin endpoints").isNull();
    Path file = dir.resolve("admin-token");
    Files.writeString(file, "  t0k3n \nsecond line\n");
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_ADMIN_TOKEN_FILE", file.toString())).adminToken()).isEqualTo("t0k3n");
    Files.writeString(file, "\n");
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_ADMIN_TOKEN_FILE", file.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.token_file");
    assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_ADMIN_TOKEN_FILE", file + ".missing")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read admin.token_file");
  }

  @Test
  void theReplaySpeedCapDefaultsTo100000PingsPerSecondAnd0LiftsIt() {
    assertThat(ServerConfig.load(Servers.env(dir)).replayMaxPingsPerSecond()).isEqualTo(100_000);
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_REPLAY_MAX_PINGS_PER_SECOND", "0")).replayMaxPingsPerSecond()).isZero();
    assertThat(ServerConfig.load(Servers.env(dir, "PINGSTACK_REPLAY_MAX_PINGS_PER_SECOND", "2500")).replayMaxPingsPerSecond())
        .isEqualTo(2500);
    for (String bad : new String[] {"-1", "fast"}) {
      assertThatThrownBy(() -> ServerConfig.load(Servers.env(dir, "PINGSTACK_REPLAY_MAX_PINGS_PER_SECOND", bad)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("replay.max_pings_per_second");
    }
  }
}
