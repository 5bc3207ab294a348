package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.JsonPings;
import io.pingstack.model.MalformedBodyException;
import io.pingstack.model.PingRules;
import io.pingstack.model.ProtoPings;
import io.pingstack.model.TooManyPingsException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * What every ingest protocol shares once its body is decoded: authentication, the token's
 * instance binding, the sender's rate limit, outcome metrics, and the write-ahead log through
 * {@link IngestService}. HTTP, gRPC and the Sourcegraph adapters differ only in how they read
 * requests and write answers.
 */
final class PingIntake {
  private final GatewayConfig config;
  private final Auth auth;
  private final RateLimiter rateLimiter;
  private final PingRules rules;
  private final IngestService ingest;
  private final InflightBudget budget;
  private final GatewayMetrics metrics;

  PingIntake(GatewayConfig config, IngestService ingest, InflightBudget budget, GatewayMetrics metrics) {
    this.config = config;
    this.auth = new Auth(config.tokens());
    this.rateLimiter = new RateLimiter(config.rateLimitPingsPerSecond(), config.rateLimitBurst());
    this.rules = new PingRules(config.maxPingAge());
    this.ingest = ingest;
    this.budget = budget;
    this.metrics = metrics;
  }

  GatewayConfig config() {
    return config;
  }

  PingRules rules() {
    return rules;
  }

  InflightBudget budget() {
    return budget;
  }

  /** True when no ingest token is configured. */
  boolean open() {
    return auth.open();
  }

  /** The token an {@code Authorization} value presents, null for open ingest; 401 when missing or unknown. */
  IngestToken authenticate(String authorization) {
    return auth.authenticate(authorization);
  }

  /** Decodes and validates a request body: 400 when it does not parse, 413 when it holds too many pings. */
  DecodedBatch decode(IngestEndpoint.Format format, byte[] body, long receivedAtMillis) {
    int max = config.maxPingsPerBatch();
    try {
      return switch (format) {
        case PROTOBUF -> ProtoPings.decode(body, 0, body.length, rules, receivedAtMillis, max);
        case JSON -> JsonPings.decodeJson(body, 0, body.length, rules, receivedAtMillis, max);
        case NDJSON -> JsonPings.decodeNdjson(body, 0, body.length, rules, receivedAtMillis, max);
      };
    } catch (MalformedBodyException e) {
      throw new ApiException(HttpResponseStatus.BAD_REQUEST, "malformed_body", e.getMessage());
    } catch (TooManyPingsException e) {
      throw new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_many_pings", e.getMessage());
    }
  }

  /**
   * Admits a decoded batch from {@code token} (null for open ingest) or from {@code address}: a
   * bound token may only send its own instance (403), the sender's rate limit is taken (429), and
   * refused pings are counted. Nothing is stored yet.
   */
  void admit(DecodedBatch batch, IngestToken token, String address) {
    if (token != null && token.instanceId() != null) {
      byte[] own = token.instanceId().getBytes(StandardCharsets.UTF_8);
      batch.visitIds((i, instanceId, offset, length, pingId, pingIdOffset, pingIdLength) -> {
        if (!Arrays.equals(instanceId, offset, offset + length, own, 0, own.length)) {
          throw new ApiException(HttpResponseStatus.FORBIDDEN, "instance_not_allowed",
              "this token may only send pings for its own instance_id");
        }
      });
    }
    String sender = token != null ? "token:" + token.name() : "address:" + address;
    rateLimiter.acquire(sender, Math.max(1, batch.total()), System.nanoTime());
    for (DecodedBatch.Rejected r : batch.rejected()) {
      metrics.pings("rejected", r.reason().code(), 1);
    }
  }

  /** Counts pings a protocol adapter refused before they became pings (their reason is the adapter's). */
  void refusedByAdapter(String reason, int count) {
    metrics.pings("rejected", reason, count);
  }

  /** The 400s of a request with no ping, or with no valid ping, as HTTP and unary gRPC answer them. */
  static void requireValid(DecodedBatch batch) {
    if (batch.total() == 0) {
      throw new ApiException(HttpResponseStatus.BAD_REQUEST, "empty_batch", "the batch holds no pings");
    }
    if (batch.validCount() == 0) {
      throw new ApiException(HttpResponseStatus.BAD_REQUEST, "all_pings_invalid",
          "every ping in the batch is invalid; see errors", 0, batch.rejected());
    }
  }

  /**
   * Stores the valid pings of an admitted batch; completes once they are durable (or were
   * duplicates), exceptionally when the log refuses them. A batch with no valid ping completes at once.
   */
  CompletableFuture<IngestResult> store(DecodedBatch batch, IngestToken token, long receivedAtMillis) {
    if (batch.validCount() == 0) {
      return CompletableFuture.completedFuture(new IngestResult(0, 0, batch.rejected()));
    }
    long appendStart = System.nanoTime();
    return ingest.ingest(batch, token == null ? Auth.ANONYMOUS : token.name(), receivedAtMillis).thenApply(result -> {
      metrics.walAck(System.nanoTime() - appendStart);
      metrics.pings("accepted", "", result.accepted());
      metrics.pings("duplicate", "", result.duplicates());
      return result;
    });
  }
}
