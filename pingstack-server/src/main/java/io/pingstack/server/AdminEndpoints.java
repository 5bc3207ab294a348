package io.pingstack.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.engine.WalConsumer;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import io.pingstack.model.Wal;
import io.pingstack.query.BearerAuth;
import io.pingstack.wal.WalConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin endpoints (API.md section 4), each behind {@link BearerAuth} when an admin token is configured. */
final class AdminEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(AdminEndpoints.class);
  static final String WAL_PATH = "/admin/wal";

  private AdminEndpoints() {}

  /** Path to endpoint; with no token the endpoints are open and a warning says so. */
  static Map<String, HttpEndpoint> of(String token, Wal wal, WalConfig walConfig, List<WalConsumer> consumers, ReplayJobs replays) {
    Map<String, HttpEndpoint> endpoints = new TreeMap<>(ReplayEndpoint.routes(replays));
    endpoints.put(WAL_PATH, new WalEndpoint(wal, walConfig, consumers));
    if (token == null) {
      LOG.warn("admin endpoints are OPEN: no admin.token_file is configured, anyone who can reach the HTTP port may use {}",
          endpoints.keySet());
      return endpoints;
    }
    endpoints.replaceAll((path, endpoint) -> new BearerAuth("admin", token, endpoint));
    return endpoints;
  }

  /** {@code GET /admin/wal}: {@link WalReport#live}, as JSON. */
  private static final class WalEndpoint implements HttpEndpoint {
    private final Wal wal;
    private final WalConfig config;
    private final List<WalConsumer> consumers;
    private final Map<String, WalReport.FileRow> fileTimes = new ConcurrentHashMap<>();

    WalEndpoint(Wal wal, WalConfig config, List<WalConsumer> consumers) {
      this.wal = wal;
      this.config = config;
      this.consumers = List.copyOf(consumers);
    }

    @Override
    public long maxBodyBytes() {
      return 0;
    }

    @Override
    public ApiException precheck(HttpRequest request) {
      return HttpMethod.GET.equals(request.method()) ? null : notGet();
    }

    /** Off the event loop: the first report reads two records per log file. */
    @Override
    public CompletableFuture<HttpReply> handle(HttpCall call) {
      if (!HttpMethod.GET.equals(call.method())) {
        throw notGet();
      }
      return CompletableFuture.supplyAsync(this::report);
    }

    private HttpReply report() {
      WalReport report = WalReport.live(wal, config, consumers, fileTimes);
      ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
      try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
        report.writeJson(g);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new HttpReply(HttpResponseStatus.OK, "application/json", out.toByteArray());
    }

    private static ApiException notGet() {
      return new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use GET for " + WAL_PATH);
    }
  }
}
