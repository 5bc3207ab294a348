package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpHandlerTest {
  private static final String PATH = "/v1/test";
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final FakeEndpoint endpoint = new FakeEndpoint(16);
  private final Router router = new Router(Map.of(PATH, endpoint));
  private InflightBudget budget = new InflightBudget(1 << 20);
  private EmbeddedChannel channel;

  /** Serves {@link #PATH}: records each call and answers with a future the test completes. */
  static final class FakeEndpoint implements HttpEndpoint {
    private final long maxBodyBytes;
    final List<HttpCall> calls = new ArrayList<>();
    private final List<CompletableFuture<HttpReply>> replies = new ArrayList<>();

    FakeEndpoint(long maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
    }

    /** The answer to the {@code i}-th call, which may be completed before that call arrives. */
    CompletableFuture<HttpReply> reply(int i) {
      while (replies.size() <= i) {
        replies.add(new CompletableFuture<>());
      }
      return replies.get(i);
    }

    String body(int i) {
      return new String(calls.get(i).body(), StandardCharsets.UTF_8);
    }

    @Override
    public long maxBodyBytes() {
      return maxBodyBytes;
    }

    @Override
    public CompletableFuture<HttpReply> handle(HttpCall call) {
      calls.add(call);
      return reply(calls.size() - 1);
    }
  }

  private EmbeddedChannel channel() {
    channel = new EmbeddedChannel(new HttpHandler(router, budget, GatewayMetrics.NOOP, DEADLINE_NANOS));
    return channel;
  }

  @AfterEach
  void closeChannel() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  private static HttpRequest post(String uri) {
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
  }

  private static HttpContent chunk(String text) {
    return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  private static LastHttpContent last(String text) {
    return new DefaultLastHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  private static HttpReply ok(String text) {
    return HttpReply.text(HttpResponseStatus.OK, "text/plain", text);
  }

  /** The next answer written, or null; its content is copied out and the message released. */
  private Answer answer() {
    channel.runPendingTasks();
    FullHttpResponse response = channel.readOutbound();
    if (response == null) {
      return null;
    }
    try {
      return new Answer(response.status().code(), response.headers().get(HttpHeaderNames.CONNECTION),
          response.headers().get(HttpHeaderNames.RETRY_AFTER), response.content().toString(StandardCharsets.UTF_8));
    } finally {
      response.release();
    }
  }

  record Answer(int status, String connection, String retryAfter, String body) {}

  @Test
  void answerIsWrittenOnlyAfterTheEndpointCompletes() {
    channel().writeInbound(post(PATH), chunk("ab"), last("c"));

    assertThat(endpoint.calls).hasSize(1);
    assertThat(endpoint.body(0)).isEqualTo("abc");
    assertThat(answer()).isNull();
    assertThat(budget.used()).isEqualTo(3);

    endpoint.reply(0).complete(ok("done"));

    Answer answer = answer();
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("done");
    assertThat(answer.connection()).isNull();
    assertThat(channel.isOpen()).isTrue();
    assertThat(budget.used()).isZero();
    assertThat(router.inflight()).isZero();
  }

  @Test
  void endpointSeesMethodPathAndQuery() {
    endpoint.reply(0).complete(ok("done"));

    channel().writeInbound(post(PATH + "?a=1&b=2"), last(""));

    HttpCall call = endpoint.calls.get(0);
    assertThat(call.method()).isEqualTo(HttpMethod.POST);
    assertThat(call.path()).isEqualTo(PATH);
    assertThat(call.query()).containsEntry("a", List.of("1")).containsEntry("b", List.of("2"));
    assertThat(answer().status()).isEqualTo(200);
  }

  @Test
  void noContentIsSentWithoutContentHeadersAndKeepsTheConnection() {
    endpoint.reply(0).complete(HttpReply.noContent());

    channel().writeInbound(post(PATH), last("x"));

    channel.runPendingTasks();
    FullHttpResponse response = channel.readOutbound();
    try {
      assertThat(response.status().code()).isEqualTo(204);
      assertThat(response.headers().contains(HttpHeaderNames.CONTENT_TYPE)).isFalse();
      assertThat(response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
      assertThat(response.content().readableBytes()).isZero();
    } finally {
      response.release();
    }
    assertThat(channel.isOpen()).isTrue();
  }

  @Test
  void bodyOverTheEndpointLimitIs413AndClosesTheConnection() {
    channel().writeInbound(post(PATH), chunk("0123456789"), last("0123456789"));

    Answer answer = answer();
    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.body()).contains("\"code\":\"body_too_large\"");
    assertThat(answer.connection()).isEqualToIgnoringCase("close");
    assertThat(channel.isOpen()).isFalse();
    assertThat(endpoint.calls).isEmpty();
    assertThat(budget.used()).isZero();
  }

  @Test
  void bodyExactlyAtTheEndpointLimitIsServed() {
    endpoint.reply(0).complete(ok("done"));

    channel().writeInbound(post(PATH), chunk("01234567"), last("89abcdef"));

    assertThat(answer().status()).isEqualTo(200);
    assertThat(endpoint.body(0)).hasSize(16);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderEvenWhenTheSecondCompletesFirst() {
    endpoint.reply(1).complete(ok("second"));

    channel().writeInbound(post(PATH), last("one"), post(PATH), last("two"));

    assertThat(answer()).isNull();
    assertThat(endpoint.calls).hasSize(1);

    endpoint.reply(0).complete(ok("first"));

    assertThat(answer().body()).isEqualTo("first");
    assertThat(answer().body()).isEqualTo("second");
    assertThat(answer()).isNull();
    assertThat(endpoint.calls).hasSize(2);
    assertThat(endpoint.body(1)).isEqualTo("two");
    assertThat(budget.used()).isZero();
    assertThat(router.inflight()).isZero();
  }

  @Test
  void budgetReturnsToZeroAfterEveryRequest() {
    channel().writeInbound(post(PATH), last("one"));
    assertThat(budget.used()).isEqualTo(3);
    endpoint.reply(0).complete(ok("first"));
    assertThat(answer().status()).isEqualTo(200);
    assertThat(budget.used()).isZero();

    channel.writeInbound(post(PATH), chunk("tw"), last("o!"));
    assertThat(budget.used()).isEqualTo(4);
    endpoint.reply(1).completeExceptionally(
        ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "wal_backpressure", "behind", 2));
    Answer refused = answer();

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.retryAfter()).isEqualTo("2");
    assertThat(refused.body()).contains("\"code\":\"wal_backpressure\"");
    assertThat(budget.used()).isZero();
    assertThat(channel.isOpen()).isTrue();
  }

  @Test
  void unexpectedEndpointFailureIs500WithoutDetails() {
    channel().writeInbound(post(PATH), last("x"));
    endpoint.reply(0).completeExceptionally(new IllegalStateException("secret detail"));

    Answer answer = answer();

    assertThat(answer.status()).isEqualTo(500);
    assertThat(answer.body()).contains("\"code\":\"internal_error\"").doesNotContain("secret detail");
    assertThat(budget.used()).isZero();
  }

  @Test
  void requestOverTheInflightBudgetIs503AndClosesTheConnection() {
    budget = new InflightBudget(4);

    channel().writeInbound(post(PATH), last("12345"));

    Answer answer = answer();
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.body()).contains("\"code\":\"overloaded\"");
    assertThat(answer.retryAfter()).isEqualTo("1");
    assertThat(channel.isOpen()).isFalse();
    assertThat(budget.used()).isZero();
  }

  @Test
  void headersTooLargeIs431AndClosesTheConnection() {
    HttpRequest request = post(PATH);
    request.setDecoderResult(DecoderResult.failure(new TooLongHttpHeaderException("x")));

    channel().writeInbound(request);

    Answer answer = answer();
    assertThat(answer.status()).isEqualTo(431);
    assertThat(answer.body()).contains("\"code\":\"headers_too_large\"");
    assertThat(channel.isOpen()).isFalse();
    assertThat(endpoint.calls).isEmpty();
  }

  @Test
  void requestLineTooLongIs414() {
    HttpRequest request = post(PATH);
    request.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException("x")));

    channel().writeInbound(request);

    assertThat(answer().status()).isEqualTo(414);
  }

  @Test
  void otherDecoderFailureIs400() {
    HttpRequest request = post(PATH);
    request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("x")));

    channel().writeInbound(request);

    Answer answer = answer();
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body()).contains("\"code\":\"malformed_request\"");
  }

  @Test
  void queryWithBrokenPercentEncodingIs400AndTheConnectionServesTheNextRequest() {
    endpoint.reply(0).complete(ok("done"));

    channel().writeInbound(post(PATH + "?a=%zz"), LastHttpContent.EMPTY_LAST_CONTENT, post(PATH), last("x"));

    Answer refused = answer();
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.body()).contains("\"code\":\"malformed_uri\"").doesNotContain("%zz");
    assertThat(answer().status()).isEqualTo(200);
    assertThat(endpoint.calls).hasSize(1);
  }

  @Test
  void unknownPathWithoutBodyIs404AndTheConnectionServesTheNextRequest() {
    endpoint.reply(0).complete(ok("done"));

    channel().writeInbound(post("/nope"), LastHttpContent.EMPTY_LAST_CONTENT, post(PATH), last("x"));

    Answer notFound = answer();
    assertThat(notFound.status()).isEqualTo(404);
    assertThat(notFound.body()).contains("\"code\":\"not_found\"");
    assertThat(answer().status()).isEqualTo(200);
    assertThat(endpoint.calls).hasSize(1);
    assertThat(endpoint.body(0)).isEqualTo("x");
    assertThat(channel.isOpen()).isTrue();
  }

  /**
   * A request that arrives whole: what an HTTP/1.1 request carrying an {@code Upgrade} header and no
   * body becomes when it is not upgraded.
   */
  private static HttpRequest wholeGet(String uri) {
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
  }

  @Test
  void refusedWholeRequestPipelinedBehindABusyOneLeavesTheNextRequestIntact() {
    channel().writeInbound(post(PATH), last("one"), wholeGet("/nope"), post(PATH), chunk("tw"));
    endpoint.reply(0).complete(ok("first"));

    assertThat(answer().body()).isEqualTo("first");
    assertThat(answer().status()).isEqualTo(404);
    assertThat(endpoint.calls).as("the third request is not complete yet").hasSize(1);

    endpoint.reply(1).complete(ok("third"));
    channel.writeInbound(last("o"));

    assertThat(endpoint.calls).hasSize(2);
    assertThat(endpoint.body(1)).isEqualTo("two");
    assertThat(answer().body()).isEqualTo("third");
    assertThat(router.inflight()).isZero();
    assertThat(budget.used()).isZero();
  }

  @Test
  void refusedWholeRequestPipelinedBetweenCompleteRequestsIsAnsweredInOrder() {
    endpoint.reply(1).complete(ok("third"));
    channel().writeInbound(post(PATH), last("one"), wholeGet("/nope"), post(PATH), last("two"));
    endpoint.reply(0).complete(ok("first"));

    assertThat(answer().body()).isEqualTo("first");
    assertThat(answer().status()).isEqualTo(404);
    assertThat(answer().body()).isEqualTo("third");
    assertThat(endpoint.calls).hasSize(2);
    assertThat(router.inflight()).isZero();
    assertThat(budget.used()).isZero();
  }

  @Test
  void upgradeRequestThatIsNotUpgradedDoesNotCutShortTheRequestPipelinedAfterIt() {
    // The HTTP/1.1 half of HttpGateway's pipeline, fed raw bytes.
    HttpServerCodec codec = new HttpServerCodec();
    channel = new EmbeddedChannel(codec, new BodylessUpgradeHandler(codec, protocol -> null),
        new HttpHandler(router, budget, GatewayMetrics.NOOP, DEADLINE_NANOS));
    channel.writeInbound(ascii("POST /v1/test HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\none"
        + "GET /nope HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n"
        + "POST /v1/test HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\ntw"));
    endpoint.reply(0).complete(ok("first"));
    endpoint.reply(1).complete(ok("third"));
    channel.runPendingTasks();

    assertThat(endpoint.calls).as("the third request is not complete yet").hasSize(1);

    channel.writeInbound(ascii("o"));
    channel.runPendingTasks();

    assertThat(endpoint.calls).hasSize(2);
    assertThat(endpoint.body(1)).isEqualTo("two");
    String wire = outboundText();
    assertThat(wire.indexOf("HTTP/1.1 200 OK")).isNotNegative();
    assertThat(wire.indexOf("HTTP/1.1 404 Not Found")).isGreaterThan(wire.indexOf("first"));
    assertThat(wire.indexOf("third")).isGreaterThan(wire.indexOf("HTTP/1.1 404 Not Found"));
    assertThat(router.inflight()).isZero();
  }

  private static ByteBuf ascii(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
  }

  private String outboundText() {
    StringBuilder text = new StringBuilder();
    for (ByteBuf buf = channel.readOutbound(); buf != null; buf = channel.readOutbound()) {
      text.append(buf.toString(StandardCharsets.US_ASCII));
      buf.release();
    }
    return text.toString();
  }

  @Test
  void wholeRequestIsServed() {
    endpoint.reply(0).complete(ok("done"));

    channel().writeInbound(wholeGet(PATH));

    assertThat(answer().body()).isEqualTo("done");
    assertThat(endpoint.calls.get(0).method()).isEqualTo(HttpMethod.GET);
  }

  @Test
  void drainingRouterRefusesNewRequestsWith503AndCloses() {
    router.drain();

    channel().writeInbound(post(PATH), LastHttpContent.EMPTY_LAST_CONTENT);

    Answer answer = answer();
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.body()).contains("\"code\":\"shutting_down\"");
    assertThat(channel.isOpen()).isFalse();
    assertThat(endpoint.calls).isEmpty();
  }

  @Test
  void requestNotCompleteByTheDeadlineIs408() {
    channel().writeInbound(post(PATH), chunk("ab"));
    assertThat(budget.used()).isEqualTo(2);

    channel.advanceTimeBy(DEADLINE_NANOS + 1, TimeUnit.NANOSECONDS);
    channel.runScheduledPendingTasks();

    Answer answer = answer();
    assertThat(answer.status()).isEqualTo(408);
    assertThat(channel.isOpen()).isFalse();
    assertThat(endpoint.calls).isEmpty();
    assertThat(budget.used()).isZero();
  }

  @Test
  void closedConnectionReleasesThePartialBody() {
    channel().writeInbound(post(PATH), chunk("abc"));
    assertThat(budget.used()).isEqualTo(3);

    assertThat(channel.close().isSuccess()).isTrue();
    channel.runPendingTasks();

    assertThat(budget.used()).isZero();
  }
}
