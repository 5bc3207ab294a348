package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.wal.WalMetrics.RetentionBlock;
import io.pingstack.wal.WalMetrics.RetentionCause;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private final Metrics metrics = new Metrics();

  private String scrape() {
    return new String(metrics.scrape(), StandardCharsets.UTF_8);
  }

  @Test
  void retentionDeletionsAreCountedByReasonWithTheirBytes() {
    metrics.wal.fileDeleted(RetentionCause.AGE, 100);
    metrics.wal.fileDeleted(RetentionCause.SIZE, 7);
    metrics.wal.fileDeleted(RetentionCause.SIZE, 3);
    assertThat(scrape()).contains(
        "pingstack_wal_retention_deleted_files_total{reason=\"age\"} 1.0",
        "pingstack_wal_retention_deleted_files_total{reason=\"size\"} 2.0",
        "pingstack_wal_retention_deleted_bytes_total{reason=\"age\"} 100.0",
        "pingstack_wal_retention_deleted_bytes_total{reason=\"size\"} 10.0");
  }

  @Test
  void aPinThatBlocksRetentionIsCountedPerPassAndItsHeldBytesDropToZeroOnceItStops() {
    metrics.wal.retentionPassed(List.of(new RetentionBlock("cold", RetentionCause.SIZE, 4096)));
    metrics.wal.retentionPassed(List.of(new RetentionBlock("cold", RetentionCause.SIZE, 8192)));
    assertThat(scrape()).contains(
        "pingstack_wal_retention_blocked_total{pin=\"cold\",reason=\"size\"} 2.0",
        "pingstack_wal_retention_blocked_bytes{pin=\"cold\"} 8192.0");
    metrics.wal.retentionPassed(List.of());
    assertThat(scrape()).contains(
        "pingstack_wal_retention_blocked_total{pin=\"cold\",reason=\"size\"} 2.0",
        "pingstack_wal_retention_blocked_bytes{pin=\"cold\"} 0.0");
  }
}
