package io.pingstack.server;

import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import io.pingstack.wal.ChronicleWal;
import io.pingstack.wal.WalConfig;
import io.pingstack.wal.WalMetrics;
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
}
