package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.DecodedBatch;
import io.pingstack.model.JsonPings;
import io.pingstack.model.PingRules;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PingSenderIT {
  @TempDir Path dir;

  @Test
  void jsonBodyDecodesToTheSamePingsWithTheServicesOwnDecoder() throws Exception {
    Instant now = Instant.now();
    PingMix mix = new PingMix(5, 500, now);
    List<Ping> pings = new ArrayList<>();
    for (int i = 0; i < mix.unique(); i++) {
      pings.add(mix.valid(i));
    }
    pings.add(mix.valid(0).toBuilder().setInstanceId("quote\" back\\slash \u0001 é").build());
    pings.add(mix.invalid(0));
    byte[] body = PingSender.jsonBody(pings.toArray(Ping[]::new));
    DecodedBatch decoded = JsonPings.decodeJson(body, 0, body.length, new PingRules(PingRules.DEFAULT_MAX_AGE), now.toEpochMilli(), 10_000);
    assertThat(decoded.valid()).containsExactlyElementsOf(pings.subList(0, pings.size() - 1));
    assertThat(decoded.rejected()).containsExactly(new DecodedBatch.Rejected(pings.size() - 1, "bad-0", PingMix.invalidReason(0)));
  }

  @Test
  void jsonIngestAnswerReadsAsTheProtobufOne() throws Exception {
    IngestResponse response = PingSender.parseJson(("{\"accepted\":3,\"duplicates\":1,\"rejected\":1,"
        + "\"errors\":[{\"index\":4,\"ping_id\":\"bad-2\",\"reason\":\"timestamp_too_old\"}]}").getBytes(StandardCharsets.UTF_8));
    assertThat(response).isEqualTo(IngestResponse.newBuilder().setAccepted(3).setDuplicates(1).setRejected(1)
        .addErrors(PingError.newBuilder().setIndex(4).setPingId("bad-2").setReason("timestamp_too_old")).build());
  }

  @Test
  void batchesUnansweredAcrossARestartAreResentUntilAcknowledgedAndStoredOnce() throws Exception {
    PingMix mix = new PingMix(11, 6000, Instant.now());
    PingstackServer first = PingstackServer.start(ServerConfig.load(Servers.env(dir)));
    PingSender sender = new PingSender(mix, 150, first.httpPort(), Duration.ofSeconds(60));
    sender.start(3);
    try {
      assertThat(sender.awaitBatches(sender.batches() / 3)).isTrue();
    } finally {
      first.close(); // requests in flight are answered 503 or refused: the senders retry
    }
    try (PingstackServer second = PingstackServer.start(ServerConfig.load(Servers.env(dir)))) {
      sender.moveTo(second.httpPort());
      sender.join();
    }
    assertThat(sender.problems()).isEmpty();
    assertThat(sender.acknowledged().cardinality()).isEqualTo(mix.unique());
    assertThat(sender.rejected()).isEqualTo(mix.invalid());
    assertThat(sender.accepted() + sender.duplicates()).isEqualTo((long) mix.unique() + mix.duplicates());
    assertThat(sender.accepted()).isLessThanOrEqualTo(mix.unique());
    assertThat(sender.attempts()).isGreaterThanOrEqualTo(sender.batches());
    Set<String> stored = new HashSet<>();
    for (Ping ping : Servers.walPings(dir)) {
      assertThat(stored.add(ping.getPingId())).as("%s stored once", ping.getPingId()).isTrue();
    }
    assertThat(stored).hasSize(mix.unique()).allMatch(id -> id.startsWith("p-"));
  }
}
