package io.pingstack.server;

import static io.pingstack.server.Servers.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pingstack.model.TestPings;
import io.pingstack.model.Wal;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.WalFileDamage;
import io.pingstack.wal.WalMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API.md section 4's {@code GET /admin/wal} against the running service, behind its admin token,
 * and {@code bin/pingstack wal status|dump|verify} on the stopped service's data, a corrupted record
 * included.
 */
class WalOperationsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "4dm1n-t0ken";

  @TempDir Path dir;

  /** What one {@code bin/pingstack wal ...} printed and returned. */
  record Run(int exit, String out, String err) {
    List<JsonNode> lines() throws IOException {
      List<JsonNode> lines = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (!line.isBlank()) {
          lines.add(JSON.readTree(line));
        }
      }
      return lines;
    }
  }

  /**
   * Batches of 2 pings go to the sinks at once, a lone ping waits up to a minute for a second
   * (so a consumer lags by exactly that record); snapshots and commits follow within 100 ms.
   */
  Map<String, String> env() throws IOException {
    Path token = dir.resolve("admin-token");
    Files.writeString(token, TOKEN + "\n");
    return Servers.env(dir.resolve("data"),
        "PINGSTACK_ADMIN_TOKEN_FILE", token.toString(),
        "PINGSTACK_CONSUMER_MAX_BATCH_ROWS", "2",
        "PINGSTACK_CONSUMER_MAX_DELAY", "1m",
        "PINGSTACK_ROLLUPS_SNAPSHOT_INTERVAL", "100ms",
        "PINGSTACK_COLD_COMMIT_INTERVAL", "100ms");
  }

  static Run wal(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = WalCommand.run(List.of(args), env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> getAdminWal(int port, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/wal"))
        .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return Servers.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode adminWal(int port) throws Exception {
    HttpResponse<String> response = getAdminWal(port, "Authorization", "Bearer " + TOKEN);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  static JsonNode consumer(JsonNode report, String name) {
    for (JsonNode c : report.get("consumers")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no consumer " + name + " in " + report);
  }

  /** Polls {@code GET /admin/wal} until both consumers have applied and made durable the log's last record. */
  static JsonNode awaitCaughtUp(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode report = adminWal(port);
    while (System.nanoTime() < deadline) {
      long last = report.get("last_position").asLong();
      boolean caughtUp = true;
      for (String name : List.of("cold", "rollups")) {
        JsonNode c = consumer(report, name);
        caughtUp &= c.get("applied_position").asLong(-1) == last && c.get("durable_position").asLong(-1) == last;
      }
      if (caughtUp) {
        return report;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      report = adminWal(port);
    }
    throw new AssertionError("consumers did not catch up within 30 s: " + report);
  }

  static Ping ping(String id) {
    return TestPings.ping("inst-1", id).at(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
  }

  static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  @Test
  void adminWalShowsFilesPositionsAndEachConsumersPositionAndLagBehindTheAdminToken() throws Exception {
    Instant started = Instant.now();
    Map<String, String> env = env();
    long posA;
    long posB;
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env))) {
      int port = server.httpPort();
      HttpResponse<String> anonymous = getAdminWal(port);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(JSON.readTree(anonymous.body()).at("/error/code").asText()).isEqualTo("unauthorized");
      assertThat(getAdminWal(port, "Authorization", "Bearer not-the-token").statusCode()).isEqualTo(401);

      JsonNode empty = adminWal(port);
      assertThat(empty.get("records").asLong()).isZero();
      assertThat(empty.get("first_position").isNull()).isTrue();
      assertThat(empty.get("files")).isEmpty();

      assertThat(post(port, "application/json", TestPings.jsonBody(ping("a1"), ping("a2"))).statusCode()).isEqualTo(200);
      JsonNode afterA = awaitCaughtUp(port);
      posA = afterA.get("last_position").asLong();
      assertThat(afterA.get("first_position").asLong()).isEqualTo(posA);

      assertThat(post(port, "application/json", TestPings.jsonBody(ping("b1"))).statusCode()).isEqualTo(200);
      JsonNode report = adminWal(port);
      posB = report.get("last_position").asLong();
      assertThat(posB).isGreaterThan(posA);
      assertThat(report.get("first_position").asLong()).isEqualTo(posA);
      assertThat(report.get("records").asLong()).isEqualTo(2);
      Instant first = Instant.parse(report.get("first_time").asText());
      Instant last = Instant.parse(report.get("last_time").asText());
      assertThat(first).isBetween(started, last);
      assertThat(last).isBefore(Instant.now());

      JsonNode files = report.get("files");
      long fileRecords = 0;
      long fileBytes = 0;
      for (JsonNode f : files) {
        assertThat(f.get("name").asText()).matches("\\d{8}-\\d{2}F\\.cq4");
        fileRecords += f.get("records").asLong();
        fileBytes += f.get("bytes").asLong();
      }
      assertThat(fileRecords).isEqualTo(2);
      assertThat(files.get(0).get("first_position").asLong()).isEqualTo(posA);
      assertThat(files.get(0).get("first_time").asText()).isEqualTo(report.get("first_time").asText());
      assertThat(files.get(files.size() - 1).get("last_position").asLong()).isEqualTo(posB);
      assertThat(report.get("total_bytes").asLong()).isEqualTo(fileBytes).isPositive().isLessThan(1 << 20);

      for (String name : List.of("cold", "rollups")) {
        JsonNode c = consumer(report, name);
        assertThat(c.get("applied_position").asLong()).as(name).isEqualTo(posA);
        assertThat(c.get("durable_position").asLong()).as(name).isEqualTo(posA);
        assertThat(c.get("lag_records").asLong()).as(name + ": b1 waits for a second ping").isEqualTo(1);
        assertThat(c.get("lag_seconds").asDouble()).as(name).isBetween(0.0, 60.0);
        assertThat(c.get("up").asBoolean()).isTrue();
      }
      JsonNode retention = report.get("retention");
      assertThat(retention.get("min_age_seconds").asLong()).isEqualTo(Duration.ofDays(7).toSeconds());
      assertThat(retention.get("max_bytes").asLong()).isZero();
      assertThat(retention.get("over_max_bytes").asBoolean()).isFalse();
      assertThat(retention.get("oldest_file").asText()).isEqualTo(files.get(0).get("name").asText());
      assertThat(retention.get("oldest_file_held_by")).extracting(JsonNode::asText).containsExactly("cold", "rollups");
      assertThat(retention.get("pins")).hasSize(2).allSatisfy(pin -> {
        assertThat(pin.get("kind").asText()).isEqualTo("consumer");
        assertThat(pin.get("position").asLong()).isEqualTo(posA);
        assertThat(pin.get("from_file").asText()).isEqualTo(files.get(0).get("name").asText());
      });

      Run running = wal(env, "status");
      assertThat(running.exit()).isEqualTo(WalCommand.SERVICE_RUNNING);
      assertThat(running.err()).contains("the service is running: use GET /admin/wal");
    }

    // Stopped: the consumers handed b1 over, snapshotted and committed on the way out.
    Run status = wal(env, "status", "--json");
    assertThat(status.exit()).as(status.err()).isZero();
    JsonNode offline = JSON.readTree(status.out());
    assertThat(offline.get("last_position").asLong()).isEqualTo(posB);
    for (String name : List.of("cold", "rollups")) {
      JsonNode c = consumer(offline, name);
      assertThat(c.get("durable_position").asLong()).as(name).isEqualTo(posB);
      assertThat(c.get("lag_records").asLong()).as(name).isZero();
      assertThat(c.get("lag_seconds").asDouble()).isZero();
    }
    assertThat(consumer(offline, "cold").get("source").asText()).contains("manifest.json");
    assertThat(consumer(offline, "rollups").get("source").asText()).contains("rollups.snapshot");

    // Two records the consumers have not seen: received an hour and two hours from now.
    Instant tC = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
    Instant tD = tC.plus(Duration.ofHours(1));
    long posC;
    long posD;
    byte[] recordD = record(tD, "d1", "d2");
    try (Wal log = ChronicleWal.open(ServerConfig.load(env).wal(), WalMetrics.NOOP)) {
      posC = log.append(record(tC, "corrupt-me-c")).get(10, TimeUnit.SECONDS);
      posD = log.append(recordD).get(10, TimeUnit.SECONDS);
    }
    offline = JSON.readTree(wal(env, "status", "--json").out());
    for (String name : List.of("cold", "rollups")) {
      JsonNode c = consumer(offline, name);
      assertThat(c.get("durable_position").asLong()).isEqualTo(posB);
      assertThat(c.get("lag_records").asLong()).as(name).isEqualTo(2);
      assertThat(c.get("lag_seconds").asDouble()).as("c is received in the future: no lag by the clock yet").isZero();
    }
    assertThat(offline.get("records").asLong()).isEqualTo(4);
    assertThat(offline.get("last_time").asText()).isEqualTo(tD.toString());
    assertThat(offline.at("/retention/pins")).extracting(p -> p.get("position").asLong()).containsExactly(posB, posB);

    Run text = wal(env, "status");
    assertThat(text.exit()).isZero();
    assertThat(text.out()).contains("records     4", "cold", "rollups", "manifest.json", offline.at("/files/0/name").asText());

    Run dump = wal(env, "dump");
    assertThat(dump.exit()).as(dump.err()).isZero();
    List<JsonNode> lines = dump.lines();
    assertThat(lines).extracting(l -> l.get("position").asLong()).containsExactly(posA, posB, posC, posD);
    assertThat(lines.get(0).get("pings")).extracting(p -> p.get("ping_id").asText()).containsExactly("a1", "a2");
    assertThat(lines.get(0).get("principal").asText()).isEqualTo("anonymous");
    assertThat(lines.get(0).at("/pings/0/instance_id").asText()).isEqualTo("inst-1");
    assertThat(lines.get(0).at("/pings/0/event").asText()).isEqualTo("search.executed");
    assertThat(lines.get(3).get("received_at").asText()).isEqualTo(tD.toString());
    assertThat(lines.get(3).get("ingest_node").asText()).isEqualTo("offline-test");

    assertThat(wal(env, "dump", "--from", Long.toString(posB), "--limit", "1").lines())
        .extracting(l -> l.get("position").asLong()).containsExactly(posB);
    assertThat(wal(env, "dump", "--to", Long.toString(posA)).lines())
        .extracting(l -> l.get("position").asLong()).containsExactly(posA);
    assertThat(wal(env, "dump", "--from", tC.toString()).lines())
        .extracting(l -> l.get("position").asLong()).containsExactly(posC, posD);
    assertThat(wal(env, "dump", "--from", tC.minusMillis(1).toString(), "--to", tD.minusMillis(1).toString()).lines())
        .extracting(l -> l.get("position").asLong()).containsExactly(posC);
    assertThat(wal(env, "dump", "--from", "yesterday").exit()).isEqualTo(WalCommand.USAGE);

    Run verify = wal(env, "verify");
    assertThat(verify.exit()).as(verify.out()).isZero();
    assertThat(verify.out()).contains("OK: 4 records", "6 pings");

    corruptPingIdLength(dir.resolve("data/wal"), "corrupt-me-c");
    Run bad = wal(env, "verify");
    assertThat(bad.exit()).isEqualTo(WalCommand.BAD);
    assertThat(bad.out())
        .contains("bad record at position " + posC)
        .contains("BAD: 1 of 4 records")
        .contains("the first bad position is " + posC);
    Run badDump = wal(env, "dump", "--from", Long.toString(posC));
    assertThat(badDump.exit()).isEqualTo(WalCommand.BAD);
    assertThat(badDump.lines()).extracting(l -> l.get("position").asLong()).containsExactly(posC, posD);
    assertThat(badDump.lines().get(0).get("error").asText()).startsWith("does not decode");

    Map<String, String> withClickHouse = new HashMap<>(env);
    withClickHouse.put("PINGSTACK_CLICKHOUSE_URL", "http://127.0.0.1:1");
    JsonNode clickhouse = JSON.readTree(wal(withClickHouse, "status", "--json").out());
    assertThat(consumer(clickhouse, "cold").get("durable_position").isNull()).isTrue();
    assertThat(consumer(clickhouse, "cold").get("source").asText()).startsWith("unknown offline");
    assertThat(consumer(clickhouse, "rollups").get("lag_records").asLong()).isEqualTo(2);
    assertThat(clickhouse.at("/retention/pins")).extracting(p -> p.get("name").asText()).containsExactly("rollups");

    WalFileDamage.damageLength(dir.resolve("data/wal"), recordD);
    Run unreadable = wal(env, "verify");
    assertThat(unreadable.exit()).as(unreadable.err()).isEqualTo(WalCommand.BAD);
    assertThat(unreadable.out()).as("stderr: %s", unreadable.err())
        .contains("BAD: 1 of 3 records")
        .contains("the first bad position is " + posC)
        .contains("BAD: the log cannot be read after position " + posC + ": 3 records read");
    Run cutDump = wal(env, "dump", "--from", Long.toString(posC));
    assertThat(cutDump.exit()).isEqualTo(WalCommand.BAD);
    assertThat(cutDump.lines()).extracting(l -> l.get("position").asLong()).containsExactly(posC, posD);
    assertThat(cutDump.lines().get(1).get("error").asText()).contains("cannot be read", "over the largest record");
    Run damagedStatus = wal(env, "status");
    assertThat(damagedStatus.exit()).isEqualTo(WalCommand.BAD);
    assertThat(damagedStatus.err()).contains("cannot read the log", "wal verify reads it up to the damage");
  }

  @Test
  void withoutAnAdminTokenTheAdminEndpointsAreOpen() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(Servers.env(dir.resolve("data"))))) {
      HttpResponse<String> open = getAdminWal(server.httpPort());
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(open.body()).get("consumers")).extracting(c -> c.get("name").asText()).containsExactly("cold", "rollups");
      URI adminWal = URI.create("http://127.0.0.1:" + server.httpPort() + "/admin/wal");
      HttpResponse<String> post = Servers.HTTP.send(HttpRequest.newBuilder(adminWal).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }

  static byte[] record(Instant receivedAt, String... pingIds) {
    WalRecord.Builder record = WalRecord.newBuilder()
        .setReceivedAtMicros(micros(receivedAt))
        .setIngestNode("offline-test")
        .setPrincipal("test");
    for (String id : pingIds) {
      record.addPings(ping(id));
    }
    return record.build().toByteArray();
  }

  /**
   * Damages one record in place, as a bad disk would: the length of its ping id ({@code marker},
   * unique in the log) becomes 127, which runs past the end of the ping. Chronicle's own framing is
   * left intact, so the records after it still read.
   */
  static void corruptPingIdLength(Path walDir, String marker) throws IOException {
    byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
    WalFileDamage.Found found = WalFileDamage.find(walDir, needle);
    assertThat(WalFileDamage.read(found, -1)).as("the ping id's length").isEqualTo((byte) needle.length);
    WalFileDamage.write(found, -1, ByteBuffer.wrap(new byte[] {0x7F}));
  }
}
