package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket of pings per second for each sender (its token's name, or its address when ingest
 * is open). The set of senders is bounded: idle buckets are dropped, and past the cap new senders
 * share one overflow bucket.
 */
final class RateLimiter {
  private static final int MAX_SENDERS = 100_000;
  private static final String OVERFLOW = "\u0000overflow";

  private final double perSecond;
  private final double burst;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  RateLimiter(double perSecond, double burst) {
    this.perSecond = perSecond;
    this.burst = Math.max(burst, perSecond);
  }

  boolean enabled() {
    return perSecond > 0;
  }

  /** Takes {@code pings} from the sender's bucket or throws 429 saying when enough will be there. */
  void acquire(String sender, int pings, long nowNanos) {
    if (!enabled()) {
      return;
    }
    if (buckets.size() >= MAX_SENDERS && !buckets.containsKey(sender)) {
      evictIdle(nowNanos);
      if (buckets.size() >= MAX_SENDERS) {
        sender = OVERFLOW;
      }
    }
    Bucket bucket = buckets.computeIfAbsent(sender, s -> new Bucket(burst, nowNanos));
    double wait;
    synchronized (bucket) {
      bucket.refill(perSecond, burst, nowNanos);
      // A batch larger than the burst passes once the bucket is full and leaves it in debt, so the
      // long-run rate holds and the Retry-After below is honest for every batch size.
      if (bucket.tokens >= Math.min(pings, burst)) {
        bucket.tokens -= pings;
        return;
      }
      wait = (Math.min(pings, burst) - bucket.tokens) / perSecond;
    }
    throw ApiException.retryable(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited",
        "over the ingest rate limit of " + perSecond + " pings/s for this sender", (int) Math.max(1, Math.ceil(wait)));
  }

  private void evictIdle(long nowNanos) {
    Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator();
    while (it.hasNext()) {
      Bucket b = it.next().getValue();
      synchronized (b) {
        b.refill(perSecond, burst, nowNanos);
        if (b.tokens >= burst) {
          it.remove();
        }
      }
    }
  }

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long nowNanos) {
      this.tokens = tokens;
      this.updatedNanos = nowNanos;
    }

    void refill(double perSecond, double burst, long nowNanos) {
      tokens = Math.min(burst, tokens + (nowNanos - updatedNanos) / 1e9 * perSecond);
      updatedNanos = nowNanos;
    }
  }
}
