package io.pingstack.engine.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClickHouseConfigTest {
  private final ClickHouseConfig base = ClickHouseConfig.of(URI.create("http://127.0.0.1:8123"), "node-1");

  @Test
  void declaredKeysBecomeColumnsAndTwoKeysMayNotShareOne() {
    assertThat(ClickHouseConfig.dimensionColumn("os.name-v")).isEqualTo("d_os_name_v");
    assertThat(ClickHouseConfig.metricColumn("latency_ms")).isEqualTo("m_latency_ms");
    assertThatThrownBy(() -> base.withColumns(List.of("os.name", "os_name"), List.of()))
        .hasMessageContaining("maps to column d_os_name");
    assertThatThrownBy(() -> base.withColumns(List.of(), List.of("Latency"))).hasMessageContaining("clickhouse.metrics");
  }

  @Test
  void refusesWhatCannotWork() {
    assertThatThrownBy(() -> ClickHouseConfig.of(URI.create("tcp://127.0.0.1:9000"), "n")).hasMessageContaining("http://");
    assertThatThrownBy(() -> base.withDatabase("pings; DROP")).hasMessageContaining("plain identifier");
    assertThatThrownBy(() -> base.withLimits(10, 1 << 20)).hasMessageContaining("max_insert_rows");
    assertThatThrownBy(() -> ClickHouseConfig.of(URI.create("http://h:1"), "")).hasMessageContaining("node name");
  }

  @Test
  void thePasswordIsNeverPrinted() {
    assertThat(base.withCredentials("ingest", "s3cret").toString()).doesNotContain("s3cret").contains("<redacted>");
  }

  @Test
  void versionsFrom23Point8OnAreModern() {
    assertThat(ServerVersion.parse("18.16.1").modern()).isFalse();
    assertThat(ServerVersion.parse("23.3.19.34").modern()).isFalse();
    assertThat(ServerVersion.parse("23.8.2.7").modern()).isTrue();
    assertThat(ServerVersion.parse("26.7.2.1").modern()).isTrue();
    assertThatThrownBy(() -> ServerVersion.parse("unknown")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyRefusalsOfTheDataItselfAreBisected() {
    assertThat(ClickHouseFailure.of("insert", new RuntimeException(
        "Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero")).rejectsData()).isTrue();
    assertThat(ClickHouseFailure.of("insert", new RuntimeException("Code: 53. DB::Exception: Type mismatch. (TYPE_MISMATCH)"))
        .rejectsData()).isTrue();
    ClickHouseFailure tooManyParts = ClickHouseFailure.of("insert", new RuntimeException("Code: 252. DB::Exception: Too many parts"));
    assertThat(tooManyParts.rejectsData()).isFalse();
    assertThat(tooManyParts.reason()).isEqualTo("code_252");
    ClickHouseFailure refused = ClickHouseFailure.of("insert", new java.net.ConnectException("Connection refused"));
    assertThat(refused.rejectsData()).isFalse();
    assertThat(refused.reason()).isEqualTo("no_answer");
  }
}
