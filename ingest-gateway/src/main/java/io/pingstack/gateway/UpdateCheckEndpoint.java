package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.proto.Ping;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Sourcegraph's update check ({@code POST /.api/updates}, {@code POST /updates}, and the legacy
 * {@code GET} with query parameters), answered as Sourcegraph's server answers it so that an
 * instance can be pointed here unchanged: 400 without {@code site} or {@code version}, 204 for a
 * {@code dev} build (nothing stored), else the ping is stored ({@link UpdateCheckPing}) and, once it
 * is durable, 204; or 200 with {@code {"version", "updateAvailable"}} when a newer release is
 * configured. Sourcegraph's client takes any 200 for "an update is available", so a client that is
 * up to date (or whose version is not a release version, such as a date build) gets 204, except the
 * Cody App ({@code deployType} {@code app}), which is always told, as Sourcegraph's server tells it.
 *
 * <p>No ingest token is asked for (Sourcegraph sends none); the sender's rate limit is taken by its
 * address, and the shared limits answer 413, 429 and 503 as for every ingest request.
 */
final class UpdateCheckEndpoint implements HttpEndpoint {
  static final List<String> PATHS = List.of("/.api/updates", "/updates");
  private static final HttpReply NO_CONTENT = HttpReply.noContent();

  private final PingIntake intake;
  private final UpdateCheckPing mapping;
  private final SourcegraphVersion latest;
  private final String latestText;
  private final InstantSource clock;

  /** {@code clock} gives each check its receive time, which names its 30-minute retry window. */
  UpdateCheckEndpoint(PingIntake intake, SourcegraphConfig config, InstantSource clock) {
    this.intake = intake;
    this.clock = clock;
    this.mapping = new UpdateCheckPing(new UpdateCheckPayload(config));
    this.latest = config.updateVersion().isEmpty() ? null : SourcegraphVersion.parse(config.updateVersion());
    this.latestText = config.updateVersion();
  }

  @Override
  public long maxBodyBytes() {
    return intake.config().maxWireBytes();
  }

  @Override
  public ApiException precheck(HttpRequest request) {
    if (HttpUtil.getContentLength(request, -1L) > maxBodyBytes()) {
      return new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
          "the body is over the limit of " + maxBodyBytes() + " bytes");
    }
    String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !encoding.isBlank() && !"identity".equals(encoding.trim().toLowerCase(Locale.ROOT))) {
      return new ApiException(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding",
          "Sourcegraph update checks are not compressed; send no Content-Encoding");
    }
    return null;
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    long receivedAt = clock.millis();
    UpdateCheck check = HttpMethod.GET.equals(call.method()) ? UpdateCheck.fromQuery(call.query()) : UpdateCheck.fromBody(call.body());
    if (check.string("site").isEmpty()) {
      throw new ApiException(HttpResponseStatus.BAD_REQUEST, "missing_site", "no site ID specified");
    }
    String version = check.string("version");
    if (version.isEmpty()) {
      throw new ApiException(HttpResponseStatus.BAD_REQUEST, "missing_version", "no version specified");
    }
    if ("dev".equals(version)) {
      return CompletableFuture.completedFuture(NO_CONTENT);
    }
    Ping ping = mapping.map(check, receivedAt);
    DecodedBatch batch = DecodedBatch.validate(List.of(ping), intake.rules(), receivedAt);
    intake.admit(batch, null, call.remoteHost());
    if (batch.validCount() == 0) {
      String reason = batch.rejected().get(0).reason().code();
      throw new ApiException(HttpResponseStatus.BAD_REQUEST, reason, "the update check cannot be stored as a ping: " + reason);
    }
    HttpReply answer = answer(version, check.string("deployType"));
    return intake.store(batch, null, receivedAt).thenApply(stored -> answer);
  }

  private HttpReply answer(String clientVersion, String deployType) {
    if (latest == null) {
      return NO_CONTENT;
    }
    SourcegraphVersion client = SourcegraphVersion.parse(clientVersion);
    boolean updateAvailable = client != null && client.compareTo(latest) < 0;
    if (!updateAvailable && !"app".equals(deployType)) {
      return NO_CONTENT;
    }
    // The version was validated as [0-9A-Za-z.+-]: nothing in it needs escaping.
    return HttpReply.json(HttpResponseStatus.OK,
        "{\"version\":\"" + latestText + "\",\"updateAvailable\":" + updateAvailable + "}");
  }
}
