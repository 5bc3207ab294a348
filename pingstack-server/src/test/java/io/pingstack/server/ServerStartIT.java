package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pingstack.model.TestPings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails (here: on a damaged rollup snapshot) says why, and leaves nothing held. */
class ServerStartIT {
  @TempDir Path dir;

  @Test
  void aStartOverADamagedRollupSnapshotFailsWithItsErrorAndReleasesTheLog() throws Exception {
    Path data = dir.resolve("data");
    ServerConfig config = ServerConfig.load(Servers.env(data));
    try (PingstackServer server = PingstackServer.start(config)) {
      assertThat(Servers.post(server.httpPort(), "application/json",
          TestPings.jsonBody(TestPings.ping("inst-1", "p-1").at(Instant.now()).build())).statusCode()).isEqualTo(200);
      Servers.awaitEventCounts(server.httpPort(), Map.of("search.executed", 1L), Duration.ofSeconds(30));
    } // a graceful stop snapshots the rollups
    Path snapshot = data.resolve("rollups").resolve("rollups.snapshot");
    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(snapshot, bytes);

    Throwable failure = catchThrowable(() -> PingstackServer.start(config));

    assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("rollup snapshot " + snapshot + " is corrupt");
    assertThat(failure.getCause().getClass().getSimpleName()).as("the snapshot's own error, not a wrapper").isEqualTo("CorruptSnapshotException");
    Files.delete(snapshot);
    try (PingstackServer server = PingstackServer.start(config)) {
      // The failed start closed the log (its lock is free) and the rollups replay it from the start.
      Servers.awaitEventCounts(server.httpPort(), Map.of("search.executed", 1L), Duration.ofSeconds(30));
    }
  }
}
