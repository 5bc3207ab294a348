package io.pingstack.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Collects one request at a time on an HTTP/1.1 connection or an HTTP/2 stream, enforcing the
 * body limit as bytes arrive and the shared in-flight byte budget, then hands it to its endpoint
 * and writes the answer. Requests pipelined behind one in progress wait their turn, so answers
 * leave in order.
 */
final class HttpHandler extends ChannelInboundHandlerAdapter {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpHandler.class);
  private static final int MAX_QUEUED_MESSAGES = 256;
  /** How long a closing connection keeps discarding what the client still sends (see {@link #lingerThenClose}). */
  private static final long LINGER_MILLIS = 2_000;

  private final Router router;
  private final InflightBudget budget;
  private final GatewayMetrics metrics;
  private final long requestDeadlineNanos;
  private final ArrayDeque<Object> queued = new ArrayDeque<>();

  private HttpRequest request;
  /** The request's URI as {@link #begin} decoded it, and its metric route. */
  private QueryStringDecoder uri;
  private String route;
  private HttpEndpoint endpoint;
  private ByteBuf body;
  private long reserved;
  private long startNanos;
  private boolean busy;
  private boolean discarding;
  /** The last answer is sent and the connection half-closed: what arrives is dropped until it closes. */
  private boolean lingering;
  private ScheduledFuture<?> deadline;

  HttpHandler(Router router, InflightBudget budget, GatewayMetrics metrics, long requestDeadlineNanos) {
    this.router = router;
    this.budget = budget;
    this.metrics = metrics;
    this.requestDeadlineNanos = requestDeadlineNanos;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (lingering) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!(msg instanceof io.netty.handler.codec.http.HttpObject)) {
      // HTTP/2 frames after a prior-knowledge switch: the frame codec sits behind this handler.
      ctx.fireChannelRead(msg);
      return;
    }
    if (busy || !queued.isEmpty()) {
      if (queued.size() >= MAX_QUEUED_MESSAGES) {
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      queued.add(msg);
      return;
    }
    process(ctx, msg);
  }

  private void process(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest r) {
        begin(ctx, r);
        if (request != r) {
          // Refused; answering it may already have served requests queued behind it, so content
          // this message carries (a whole request) must not reach theirs.
          return;
        }
      }
      if (msg instanceof HttpContent content && !discarding && request != null) {
        collect(ctx, content);
      } else if (msg instanceof LastHttpContent && discarding) {
        discarding = false;
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void begin(ChannelHandlerContext ctx, HttpRequest r) {
    startNanos = System.nanoTime();
    discarding = false;
    if (r.decoderResult().isFailure()) {
      Throwable cause = r.decoderResult().cause();
      ApiException e = cause instanceof TooLongHttpHeaderException
          ? new ApiException(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", "the request headers are too large")
          : cause instanceof TooLongHttpLineException || cause instanceof TooLongFrameException
              ? new ApiException(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request_line_too_long", "the request line is too long")
              : new ApiException(HttpResponseStatus.BAD_REQUEST, "malformed_request", "the request is not valid HTTP");
      refuse(ctx, r, "other", e, true);
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(r.uri());
    boolean bodyFollows = HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0;
    try {
      uri.parameters(); // decodes the path too, for the endpoint's call when dispatched
    } catch (IllegalArgumentException e) {
      refuse(ctx, r, "other", new ApiException(HttpResponseStatus.BAD_REQUEST, "malformed_uri",
          "the request URI is not valid percent-encoded UTF-8"), bodyFollows);
      return;
    }
    HttpEndpoint target = router.route(uri.path());
    String route = router.metricRoute(uri.path());
    ApiException refusal = router.refusal();
    if (refusal == null && target == null) {
      refusal = new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", "no such endpoint");
    }
    if (refusal == null) {
      refusal = target.precheck(r);
    }
    if (refusal != null) {
      // Do not read a body we are going to refuse: answer now and close unless there is none.
      refuse(ctx, r, route, refusal, bodyFollows || refusal.status().code() == 503);
      return;
    }
    if (HttpUtil.is100ContinueExpected(r)) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    request = r;
    this.uri = uri;
    this.route = route;
    endpoint = target;
    body = ctx.alloc().compositeBuffer(1024);
    deadline = ctx.executor().schedule(() -> timeout(ctx), requestDeadlineNanos, TimeUnit.NANOSECONDS);
  }

  private void collect(ChannelHandlerContext ctx, HttpContent content) {
    ByteBuf bytes = content.content();
    int n = bytes.readableBytes();
    if (n > 0) {
      if (body.readableBytes() + (long) n > endpoint.maxBodyBytes()) {
        fail(ctx, new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
            "the body is over the limit of " + endpoint.maxBodyBytes() + " bytes"), true);
        return;
      }
      if (!budget.tryReserve(n)) {
        fail(ctx, overloaded(), true);
        return;
      }
      reserved += n;
      ((io.netty.buffer.CompositeByteBuf) body).addComponent(true, bytes.retain());
    }
    if (content instanceof LastHttpContent) {
      dispatch(ctx);
    }
  }

  private static ApiException overloaded() {
    return ApiException.retryable(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded",
        "too many request bytes are being processed; retry shortly", 1);
  }

  private void dispatch(ChannelHandlerContext ctx) {
    cancelDeadline();
    HeaderDeadline.requestReceived(ctx.channel());
    busy = true;
    router.started();
    HttpRequest r = request;
    String route = this.route;
    QueryStringDecoder uri = this.uri;
    byte[] bytes = new byte[body.readableBytes()];
    body.readBytes(bytes);
    body.release();
    body = null;
    long held = reserved;
    reserved = 0;
    CompletableFuture<HttpReply> reply;
    try {
      reply = endpoint.handle(new HttpCall(r.method(), uri.path(), uri.parameters(), r.headers(), bytes, remoteHost(ctx)));
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((ok, error) -> ctx.executor().execute(() -> {
      budget.release(held);
      router.finished();
      if (error != null) {
        ApiException e = Replies.classify(error);
        write(ctx, r, route, e.status(), "application/json", Replies.errorBody(e), e.retryAfterSeconds(), false);
      } else {
        write(ctx, r, route, ok.status(), ok.contentType(), ok.body(), 0, false);
      }
    }));
  }

  private static String remoteHost(ChannelHandlerContext ctx) {
    java.net.SocketAddress address = ctx.channel().remoteAddress();
    if (address == null && ctx.channel().parent() != null) {
      address = ctx.channel().parent().remoteAddress(); // an HTTP/2 stream
    }
    return address instanceof java.net.InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress()
        : "unknown";
  }

  private void timeout(ChannelHandlerContext ctx) {
    deadline = null;
    if (request != null && !busy) {
      fail(ctx, new ApiException(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout", "the request did not arrive in time"), true);
    }
  }

  /** Refuses the request being collected: releases what it holds, answers, and stops reading its body. */
  private void fail(ChannelHandlerContext ctx, ApiException e, boolean close) {
    HttpRequest r = request;
    String route = this.route;
    resetRequest();
    discarding = true;
    busy = true;
    write(ctx, r, route, e.status(), "application/json", Replies.errorBody(e), e.retryAfterSeconds(), close);
  }

  private void refuse(ChannelHandlerContext ctx, HttpRequest r, String route, ApiException e, boolean close) {
    discarding = true;
    busy = true;
    write(ctx, r, route, e.status(), "application/json", Replies.errorBody(e), e.retryAfterSeconds(), close);
  }

  private void write(ChannelHandlerContext ctx, HttpRequest r, String route, HttpResponseStatus status, String contentType,
      byte[] content, int retryAfter, boolean forceClose) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(content),
        new DefaultHttpHeaders(), EmptyHttpHeaders.INSTANCE);
    if (status.code() != HttpResponseStatus.NO_CONTENT.code()) {
      response.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, contentType)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, content.length);
    }
    if (retryAfter > 0) {
      response.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfter);
    }
    boolean close = forceClose || !HttpUtil.isKeepAlive(r) || router.refusal() != null;
    if (close) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    metrics.request(route, status.code(), System.nanoTime() - startNanos);
    resetRequest();
    ChannelFuture sent = ctx.writeAndFlush(response);
    if (close) {
      sent.addListener((ChannelFuture written) -> lingerThenClose(ctx, written));
      return;
    }
    HeaderDeadline.responseSent(ctx.channel());
    busy = false;
    drainQueued(ctx);
  }

  /**
   * Closes a connection after its last answer. A client may still be sending the body we refused
   * (413): closing with its bytes unread would make the kernel reset the connection, and a reset can
   * destroy the answer in the client's buffers before it reads it. So an HTTP/1.1 connection is
   * half-closed (the client reads the answer, then the end of the stream) and what still arrives is
   * discarded until the client closes or {@link #LINGER_MILLIS} pass.
   */
  private void lingerThenClose(ChannelHandlerContext ctx, ChannelFuture written) {
    if (!written.isSuccess() || !(ctx.channel() instanceof SocketChannel socket) || !socket.isActive()) {
      ctx.close();
      return;
    }
    lingering = true;
    socket.shutdownOutput().addListener(shut -> {
      if (!shut.isSuccess()) {
        ctx.close();
      }
    });
    ScheduledFuture<?> unused = ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void drainQueued(ChannelHandlerContext ctx) {
    while (!busy && !queued.isEmpty()) {
      process(ctx, queued.poll());
    }
  }

  private void resetRequest() {
    cancelDeadline();
    request = null;
    uri = null;
    route = null;
    endpoint = null;
    if (body != null) {
      body.release();
      body = null;
    }
    if (reserved > 0) {
      budget.release(reserved);
      reserved = 0;
    }
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    if (evt instanceof io.netty.handler.codec.http.HttpServerUpgradeHandler.UpgradeEvent
        || evt instanceof io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
      // HTTP/2 streams have their own handlers and deadlines; the HTTP/1.1 clock no longer applies.
      if (ctx.pipeline().get(HeaderDeadline.class) != null) {
        ctx.pipeline().remove(HeaderDeadline.class);
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    resetRequest();
    while (!queued.isEmpty()) {
      ReferenceCountUtil.release(queued.poll());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof java.io.IOException)) {
      LOG.warn("closing connection from {} after an unexpected error", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }
}
