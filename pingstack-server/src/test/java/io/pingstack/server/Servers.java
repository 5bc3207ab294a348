package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.WalConfig;
import io.pingstack.wal.WalMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/** Starts the real service on a free loopback port, and reads back what its WAL holds. */
final class Servers {
  private Servers() {}

  static Map<String, String> env(Path dataDir, String... overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("PINGSTACK_DATA_DIR", dataDir.toString());
    env.put("PINGSTACK_HTTP_HOST", "127.0.0.1");
    env.put("PINGSTACK_HTTP_PORT", "0");
    env.put("PINGSTACK_GRPC_HOST", "127.0.0.1");
    env.put("PINGSTACK_GRPC_PORT", "0");
    env.put("PINGSTACK_WAL_DISK_RESERVE_BYTES", "0");
    for (int i = 0; i < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }

  /**
   * A service with ingest tokens ({@code fleet s3cret}, and {@code bound b0und} for instance
   * {@code i-1} only) and small limits: 3 pings per request, 64 KiB on the wire, 1 MiB inflated.
   */
  static Map<String, String> strictEnv(Path dir) throws IOException {
    Path tokens = dir.resolve("tokens");
    java.nio.file.Files.writeString(tokens, "# name secret [instance]\nfleet s3cret\nbound b0und i-1\n");
    return env(dir.resolve("data"),
        "PINGSTACK_INGEST_TOKENS_FILE", tokens.toString(),
        "PINGSTACK_INGEST_MAX_PINGS_PER_BATCH", "3",
        "PINGSTACK_INGEST_MAX_WIRE_BYTES", "64KiB",
        "PINGSTACK_INGEST_MAX_DECOMPRESSED_BYTES", "1MiB",
        "PINGSTACK_INGEST_MAX_INFLIGHT_BYTES", "8MiB");
  }

  /** The real file sync, failing with an injected EIO while {@code broken} is true. */
  static io.pingstack.wal.FileSync syncFailingWhile(java.util.concurrent.atomic.AtomicBoolean broken) {
    return channel -> {
      if (broken.get()) {
        throw new IOException("injected EIO");
      }
      channel.force(false);
    };
  }

  static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  static HttpResponse<String> post(int port, String contentType, byte[] body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/pings"))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Every ping in the WAL under {@code dataDir}, in log order (the service must be stopped). */
  static List<Ping> walPings(Path dataDir) {
    List<Ping> pings = new ArrayList<>();
    WalConfig config = WalConfig.defaults(dataDir.resolve("wal")).withDiskReserveBytes(0);
    try (Wal wal = ChronicleWal.open(config, WalMetrics.NOOP); WalReader reader = wal.reader(Wal.NONE)) {
      for (WalReader.Entry e = reader.next(); e != null; e = reader.next()) {
        WalRecord record = e.record();
        pings.addAll(record.getPingsList());
      }
    }
    return pings;
  }

  /** Polls {@code /v1/events} until its counts are {@code expected} (the consumers have caught up), or fails. */
  static void awaitEventCounts(int port, Map<String, Long> expected, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    Map<String, Long> seen = Map.of();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = Servers.get(port, "/v1/events");
      if (response.statusCode() != 200) {
        fail("GET /v1/events answered " + response.statusCode() + ": " + response.body());
      }
      seen = eventCounts(response.body());
      if (seen.equals(expected)) {
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
    assertThat(seen).as("/v1/events counts after %s", limit).isEqualTo(expected);
  }

  /** Event name to count, from a {@code /v1/events} answer. */
  static Map<String, Long> eventCounts(String body) throws IOException {
    Map<String, Long> counts = new TreeMap<>();
    try (JsonParser p = new JsonFactory().createParser(body)) {
      String event = null;
      Long count = null;
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          depth++;
        } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          depth--;
          if (depth == 2 && event != null && count != null) {
            counts.put(event, count);
            event = null;
            count = null;
          }
        } else if (depth == 3 && t == JsonToken.VALUE_STRING && "event".equals(p.currentName())) {
          event = p.getText();
        } else if (depth == 3 && t == JsonToken.VALUE_NUMBER_INT && "count".equals(p.currentName())) {
          count = p.getLongValue();
        }
      }
    }
    return counts;
  }
}
