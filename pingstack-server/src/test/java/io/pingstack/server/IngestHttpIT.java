package io.pingstack.server;

import static io.pingstack.server.Servers.env;
import static io.pingstack.server.Servers.get;
import static io.pingstack.server.Servers.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.wal.FileSync;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API.md section 2 over real sockets, against the real service. */
class IngestHttpIT {
  @TempDir Path dir;

  static Ping ping(String instance, String id) {
    return TestPings.ping(instance, id).at(Instant.now()).build();
  }

  @Test
  void validPingsAreAcknowledgedPerPingInEveryFormat() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      int port = server.httpPort();
      Ping bad = TestPings.ping("i-1", "bad").event("Not.An.Event").at(Instant.now()).build();
      HttpResponse<String> json = post(port, "application/json", TestPings.jsonBody(ping("i-1", "j1"), bad));
      assertThat(json.statusCode()).isEqualTo(200);
      assertThat(json.body()).isEqualTo(
          "{\"accepted\":1,\"duplicates\":0,\"rejected\":1,\"errors\":[{\"index\":1,\"ping_id\":\"bad\",\"reason\":\"invalid_event\"}]}");
      assertThat(post(port, "application/x-ndjson", TestPings.ndjsonBody(ping("i-1", "n1"), ping("i-1", "n2"))).body())
          .startsWith("{\"accepted\":2,");
      HttpResponse<byte[]> proto = Servers.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/pings"))
          .header("Content-Type", "application/x-protobuf").header("Accept", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(TestPings.protoBody(ping("i-1", "p1")))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(proto.statusCode()).isEqualTo(200);
      assertThat(IngestResponse.parseFrom(proto.body()).getAccepted()).isEqualTo(1);
      assertThat(post(port, "application/json", gzip(TestPings.jsonBody(ping("i-1", "g1"))), "Content-Encoding", "gzip").body())
          .startsWith("{\"accepted\":1,");
      assertThat(post(port, "application/json", Zstd.compress(TestPings.jsonBody(ping("i-1", "z1"))), "Content-Encoding", "zstd").body())
          .startsWith("{\"accepted\":1,");
    }
    assertThat(Servers.walPings(dir)).extracting(Ping::getPingId).containsExactly("j1", "n1", "n2", "p1", "g1", "z1");
  }

  @Test
  void duplicatePingIsAcknowledgedButStoredOnceEvenAcrossARestart() throws Exception {
    Ping once = ping("i-1", "once");
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      assertThat(post(server.httpPort(), "application/json", TestPings.jsonBody(once)).body()).startsWith("{\"accepted\":1,\"duplicates\":0");
      assertThat(post(server.httpPort(), "application/json", TestPings.jsonBody(once, once)).body()).startsWith("{\"accepted\":0,\"duplicates\":2");
    }
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      assertThat(post(server.httpPort(), "application/x-protobuf", TestPings.protoBody(once)).body()).startsWith("{\"accepted\":0,\"duplicates\":1");
    }
    assertThat(Servers.walPings(dir)).extracting(Ping::getPingId).containsExactly("once");
  }

  @Test
  void badRequestsGetTheirStatusAndReasonAndNothingReachesTheLog() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(Servers.strictEnv(dir)))) {
      int port = server.httpPort();
      byte[] one = TestPings.jsonBody(ping("i-1", "x"));
      String[] fleet = {"Authorization", "Bearer s3cret"};
      assertError(post(port, "application/json", one), 401, "missing_token");
      assertError(post(port, "application/json", one, "Authorization", "Bearer nope"), 401, "unknown_token");
      assertError(post(port, "application/json", TestPings.jsonBody(ping("i-2", "x")), "Authorization", "Bearer b0und"), 403, "instance_not_allowed");
      assertError(post(port, "text/csv", one, fleet), 415, "unsupported_media_type");
      assertError(post(port, "application/json", one, "Authorization", "Bearer s3cret", "Content-Encoding", "br"), 415, "unsupported_encoding");
      assertError(post(port, "application/json", "{\"pings\": [".getBytes(StandardCharsets.UTF_8), fleet), 400, "malformed_body");
      assertError(post(port, "application/json", "{\"pings\": []}".getBytes(StandardCharsets.UTF_8), fleet), 400, "empty_batch");
      HttpResponse<String> allBad = post(port, "application/json",
          TestPings.jsonBody(TestPings.ping("i-1", "old").at(Instant.now().minus(Duration.ofDays(31))).build()), fleet);
      assertError(allBad, 400, "all_pings_invalid");
      assertThat(allBad.body()).contains("\"reason\":\"timestamp_too_old\"");
      assertError(post(port, "application/json", TestPings.jsonBody(ping("i-1", "a"), ping("i-1", "b"), ping("i-1", "c"), ping("i-1", "d")), fleet),
          413, "too_many_pings");
      assertError(post(port, "application/json", new byte[70_000], fleet), 413, "body_too_large");
      assertError(post(port, "application/json", gzip(new byte[2 << 20]), "Authorization", "Bearer s3cret", "Content-Encoding", "gzip"),
          413, "body_too_large");
      assertThat(rawStatus(port, chunkedRequest(100_000))).startsWith("HTTP/1.1 413");
      assertThat(rawStatus(port, ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 431");
      assertError(get(port, "/v1/pings"), 405, "method_not_allowed");
      HttpResponse<String> notFound = get(port, "/nope");
      assertError(notFound, 404, "not_found");
      assertThat(post(port, "application/json", one, fleet).statusCode()).isEqualTo(200);
    }
    assertThat(Servers.walPings(dir.resolve("data"))).extracting(Ping::getPingId).containsExactly("x");
  }

  @Test
  void aTokenBoundToAnInstanceSendsThatInstanceOnlyInEveryFormat() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(Servers.strictEnv(dir)))) {
      int port = server.httpPort();
      String[] bound = {"Authorization", "Bearer b0und"};
      assertError(post(port, "application/x-protobuf", TestPings.protoBody(ping("i-1", "a"), ping("i-2", "b")), bound),
          403, "instance_not_allowed");
      assertError(post(port, "application/x-ndjson", TestPings.ndjsonBody(ping("i-1", "a"), ping("i-11", "b")), bound),
          403, "instance_not_allowed");
      assertThat(post(port, "application/x-protobuf", TestPings.protoBody(ping("i-1", "p"), ping("i-1", "q")), bound).body())
          .startsWith("{\"accepted\":2,");
      assertThat(post(port, "application/json", TestPings.jsonBody(ping("i-1", "j")), bound).body())
          .startsWith("{\"accepted\":1,");
    }
    assertThat(Servers.walPings(dir.resolve("data"))).extracting(Ping::getPingId).containsExactly("p", "q", "j");
  }

  @Test
  void aClientStillSendingARefusedBodyReadsThe413() throws Exception {
    // The server refuses after 64 KiB and closes; the client goes on writing its 64 MiB before it
    // reads. Closing with those bytes unread would reset the connection and could lose the answer.
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir, "PINGSTACK_INGEST_MAX_WIRE_BYTES", "64KiB")));
        Socket socket = new Socket("127.0.0.1", server.httpPort())) {
      socket.setSoTimeout(30_000);
      int length = 64 << 20;
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/pings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
          + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 << 10];
      for (int sent = 0; sent < length; sent += chunk.length) {
        out.write(chunk);
      }
      out.flush();
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":\"body_too_large\"", "connection: close");
    }
  }

  @Test
  void senderOverItsRateLimitGets429WithRetryAfter() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir,
        "PINGSTACK_INGEST_RATE_LIMIT_PINGS_PER_SECOND", "1", "PINGSTACK_INGEST_RATE_LIMIT_BURST", "2")))) {
      int port = server.httpPort();
      assertThat(post(port, "application/json", TestPings.jsonBody(ping("i-1", "a"), ping("i-1", "b"))).statusCode()).isEqualTo(200);
      HttpResponse<String> limited = post(port, "application/json", TestPings.jsonBody(ping("i-1", "c")));
      assertError(limited, 429, "rate_limited");
      assertThat(limited.headers().firstValueAsLong("Retry-After").orElse(0)).isPositive();
    }
  }

  @Test
  void diskReserveAnswers503WithRetryAfterAndRecovers() throws Exception {
    Files.createDirectories(dir);
    long reserve = dir.toFile().getUsableSpace() - (256L << 20);
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir,
        "PINGSTACK_WAL_DISK_RESERVE_BYTES", Long.toString(reserve))))) {
      int port = server.httpPort();
      assertThat(post(port, "application/json", TestPings.jsonBody(ping("i-1", "before"))).statusCode()).isEqualTo(200);
      Path filler = dir.resolve("filler");
      fill(filler, 512L << 20);
      awaitStatus(port, "/readyz", 503);
      HttpResponse<String> refused = post(port, "application/json", TestPings.jsonBody(ping("i-1", "refused")));
      assertError(refused, 503, "disk_reserve_reached");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      Files.delete(filler);
      awaitStatus(port, "/readyz", 200);
      assertThat(post(port, "application/json", TestPings.jsonBody(ping("i-1", "refused"))).body()).startsWith("{\"accepted\":1,");
    }
    assertThat(Servers.walPings(dir)).extracting(Ping::getPingId).containsExactly("before", "refused");
  }

  @Test
  void failedSyncStopsAcknowledgement() throws Exception {
    AtomicBoolean broken = new AtomicBoolean();
    FileSync flaky = Servers.syncFailingWhile(broken);
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)), flaky)) {
      int port = server.httpPort();
      assertThat(post(port, "application/json", TestPings.jsonBody(ping("i-1", "ok"))).statusCode()).isEqualTo(200);
      broken.set(true);
      assertError(post(port, "application/json", TestPings.jsonBody(ping("i-1", "unsynced"))), 503, "wal_failed");
      broken.set(false);
      assertError(post(port, "application/json", TestPings.jsonBody(ping("i-1", "later"))), 503, "wal_failed");
      assertThat(get(port, "/readyz").statusCode()).isEqualTo(503);
      assertThat(get(port, "/metrics").body()).contains("pingstack_ready 0.0");
    }
  }

  @Test
  void slowSenderIsCutOffByTheRequestDeadline() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir, "PINGSTACK_HTTP_REQUEST_DEADLINE", "500ms")))) {
      try (Socket socket = new Socket("127.0.0.1", server.httpPort())) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write("POST /v1/pings HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // The headers never finish; the server must answer and close on its own.
        String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(answer).startsWith("HTTP/1.1 408").contains("request_timeout");
      }
      assertThat(get(server.httpPort(), "/metrics").body()).contains("pingstack_http_request_deadline_exceeded_total 1.0");
    }
  }

  @Test
  void idleConnectionIsClosed() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir, "PINGSTACK_HTTP_IDLE_TIMEOUT", "300ms")))) {
      try (Socket socket = new Socket("127.0.0.1", server.httpPort())) {
        socket.setSoTimeout(10_000);
        assertThat(socket.getInputStream().read()).as("closed by the server without a byte").isEqualTo(-1);
      }
    }
  }

  @Test
  void http2CleartextServesRequests() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      URI health = URI.create("http://127.0.0.1:" + server.httpPort() + "/healthz");
      HttpResponse<String> upgraded = h2.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> ingest = h2.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/v1/pings"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(TestPings.jsonBody(ping("i-1", "h2")))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(upgraded.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(ingest.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(ingest.body()).startsWith("{\"accepted\":1,");
    }
  }

  static void assertError(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.body()).contains("{\"error\":{\"code\":\"" + code + "\"");
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  static byte[] chunkedRequest(int bytes) {
    StringBuilder s = new StringBuilder("POST /v1/pings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Authorization: Bearer s3cret\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int sent = 0; sent < bytes; sent += 1000) {
      s.append("3e8\r\n").append("x".repeat(1000)).append("\r\n");
    }
    return s.append("0\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  static String rawStatus(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      try {
        socket.getOutputStream().write(request);
      } catch (IOException e) {
        // The server may close before the whole body is written: its answer is still there to read.
      }
      InputStream in = socket.getInputStream();
      byte[] head = in.readNBytes(12);
      return new String(head, StandardCharsets.US_ASCII);
    }
  }

  static void awaitStatus(int port, String path, int status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (get(port, path).statusCode() != status) {
      assertThat(System.nanoTime()).as(path + " never answered " + status).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  static void fill(Path file, long bytes) throws IOException {
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < bytes; written += chunk.length) {
        out.write(chunk);
      }
    }
  }

  static List<String> ids(List<Ping> pings) {
    return pings.stream().map(Ping::getPingId).toList();
  }
}
