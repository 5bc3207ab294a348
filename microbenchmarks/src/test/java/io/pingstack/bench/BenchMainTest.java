package io.pingstack.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchMainTest {
  @Test
  void theForkedJvmsGetTheFlagsOfConfigJvmOptions() {
    List<String> flags = BenchMain.jvmOptions();

    assertThat(flags).contains("-Dchronicle.analytics.disable=true", "--add-opens=java.base/java.nio=ALL-UNNAMED");
    assertThat(BenchMain.withJvmOptions(new String[] {"DecodeBenchmark", "-f", "1"}, flags))
        .containsExactly("-jvmArgsPrepend", String.join(" ", flags), "DecodeBenchmark", "-f", "1");
  }
}
