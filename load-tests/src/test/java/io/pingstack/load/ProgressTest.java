package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.load.StandInGrpcServer.Outcome;
import io.pingstack.load.StandInIngestServer.Answer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void eachLineOverwritesTheLastInPlaceAndTheEndClearsIt() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress progress = Progress.to(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    progress.print(new Progress.Figures(false, 1000, 0, 1.5), SECOND);
    progress.print(new Progress.Figures(true, 3500, 2, 12.25), 2 * SECOND);
    progress.stop();

    String text = bytes.toString(StandardCharsets.UTF_8);
    String[] lines = text.split("\r", -1);
    assertThat(lines).hasSize(5).startsWith("");
    assertThat(lines[1]).contains("1 s", " 1000 pings/s", " 1000 acked", "errors 0", "p99 1.500 ms (warmup)");
    assertThat(lines[2]).contains("2 s", " 2500 pings/s", " 3500 acked", "errors 2", "p99 12.250 ms (measuring)");
    assertThat(lines[3]).as("the last line, blanked").isBlank().hasSize(lines[2].length());
    assertThat(lines[4]).isEmpty();
    assertThat(text).doesNotContain("\n");
  }

  @Test
  void runsOnATerminalShowTheirProgressAndLeaveAClearedLine() throws Exception {
    // 150 requests at 100/s last at least 1.49 s: the line of the first second comes before the end.
    try (StandInIngestServer http = StandInIngestServer.start((n, batch) -> Answer.acceptAll(batch));
        StandInGrpcServer grpc = StandInGrpcServer.start((call, batch) -> Outcome.acceptAll(batch))) {
      ByteArrayOutputStream overHttp = new ByteArrayOutputStream();
      ByteArrayOutputStream overGrpc = new ByteArrayOutputStream();
      LoadGenerator.run(LoadOptions.parse("--url", http.url().toString(), "--rate", "100", "--batch", "1",
          "--warmup", "0", "--total", "150"), Progress.to(new PrintStream(overHttp, true, StandardCharsets.UTF_8)));
      GrpcLoadGenerator.run(LoadOptions.parse("--url", grpc.url().toString(), "--protocol", "grpc-unary", "--rate", "100",
          "--batch", "1", "--warmup", "0", "--total", "150"), Progress.to(new PrintStream(overGrpc, true, StandardCharsets.UTF_8)));

      for (ByteArrayOutputStream bytes : new ByteArrayOutputStream[] {overHttp, overGrpc}) {
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("\r").contains("pings/s", "acked", "(measuring)").doesNotContain("\n");
        assertThat(text.substring(text.lastIndexOf('\r', text.length() - 2))).as("cleared at the end").isBlank();
      }
    }
  }
}
