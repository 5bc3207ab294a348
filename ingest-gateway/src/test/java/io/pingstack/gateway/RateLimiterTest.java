package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private static final long T0 = TimeUnit.HOURS.toNanos(1);

  private static ApiException refusal(RateLimiter limiter, String sender, int pings, long nowNanos) {
    return catchThrowableOfType(ApiException.class, () -> limiter.acquire(sender, pings, nowNanos));
  }

  @Test
  void zeroRateDisablesTheLimit() {
    RateLimiter limiter = new RateLimiter(0, 0);

    assertThat(limiter.enabled()).isFalse();
    assertThatCode(() -> limiter.acquire("token:a", 1_000_000, T0)).doesNotThrowAnyException();
  }

  @Test
  void burstIsAllowedThenTheSenderIsTooManyRequests() {
    RateLimiter limiter = new RateLimiter(10, 20);
    limiter.acquire("token:a", 20, T0);

    ApiException e = refusal(limiter, "token:a", 1, T0);

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(429);
    assertThat(e.code()).isEqualTo("rate_limited");
    assertThat(e.retryAfterSeconds()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void bucketRefillsAtTheRate() {
    RateLimiter limiter = new RateLimiter(10, 20);
    limiter.acquire("token:a", 20, T0);

    assertThatCode(() -> limiter.acquire("token:a", 1, T0 + TimeUnit.MILLISECONDS.toNanos(100))).doesNotThrowAnyException();
    assertThat(refusal(limiter, "token:a", 1, T0 + TimeUnit.MILLISECONDS.toNanos(100))).isNotNull();
  }

  @Test
  void refillStopsAtTheBurst() {
    RateLimiter limiter = new RateLimiter(10, 20);
    limiter.acquire("token:a", 20, T0);
    long later = T0 + TimeUnit.MINUTES.toNanos(10);

    limiter.acquire("token:a", 20, later);

    assertThat(refusal(limiter, "token:a", 1, later)).isNotNull();
  }

  @Test
  void retryAfterIsLongEnoughForTheSameRequest() {
    RateLimiter limiter = new RateLimiter(2, 4);
    limiter.acquire("token:a", 4, T0);

    ApiException e = refusal(limiter, "token:a", 3, T0);

    assertThat(e.retryAfterSeconds()).isEqualTo(2);
    assertThatCode(() -> limiter.acquire("token:a", 3, T0 + TimeUnit.SECONDS.toNanos(e.retryAfterSeconds())))
        .doesNotThrowAnyException();
  }

  @Test
  void batchLargerThanTheBurstIsAcceptedOnceTheBucketIsFull() {
    // Otherwise such a batch is refused forever, each time with a Retry-After that promises otherwise.
    RateLimiter limiter = new RateLimiter(10, 20);
    limiter.acquire("token:a", 5, T0);

    ApiException e = refusal(limiter, "token:a", 50, T0);
    assertThat(e).isNotNull();
    long retry = T0 + TimeUnit.SECONDS.toNanos(e.retryAfterSeconds());

    assertThatCode(() -> limiter.acquire("token:a", 50, retry)).doesNotThrowAnyException();
  }

  @Test
  void batchLargerThanTheBurstLeavesADebtThatKeepsTheLongRunRate() {
    RateLimiter limiter = new RateLimiter(10, 20);
    limiter.acquire("token:a", 50, T0);

    ApiException e = refusal(limiter, "token:a", 1, T0 + TimeUnit.SECONDS.toNanos(3));

    assertThat(e).isNotNull();
    assertThat(e.retryAfterSeconds()).isEqualTo(1);
    assertThatCode(() -> limiter.acquire("token:a", 1, T0 + TimeUnit.SECONDS.toNanos(4))).doesNotThrowAnyException();
  }

  @Test
  void sendersHaveSeparateBuckets() {
    RateLimiter limiter = new RateLimiter(10, 20);
    limiter.acquire("token:a", 20, T0);

    assertThatCode(() -> limiter.acquire("token:b", 20, T0)).doesNotThrowAnyException();
    assertThat(refusal(limiter, "token:a", 1, T0)).isNotNull();
  }

  @Test
  void burstBelowTheRateIsRaisedToOneSecondOfRate() {
    RateLimiter limiter = new RateLimiter(10, 0);

    assertThatCode(() -> limiter.acquire("token:a", 10, T0)).doesNotThrowAnyException();
    assertThat(refusal(limiter, "token:a", 1, T0)).isNotNull();
  }
}
