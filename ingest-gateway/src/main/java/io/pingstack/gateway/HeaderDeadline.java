package io.pingstack.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The absolute deadline of an HTTP/1.1 request, from its first byte to its last: an idle timer
 * resets on every byte, so a client trickling a request (slowloris) is only stopped by this. Sits
 * before the HTTP codec and answers 408 in raw bytes.
 */
final class HeaderDeadline extends ChannelInboundHandlerAdapter {
  private static final AttributeKey<HeaderDeadline> KEY = AttributeKey.valueOf("pingstack.deadline");
  private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
      + "connection: close\r\ncontent-length: 83\r\n\r\n"
      + "{\"error\":{\"code\":\"request_timeout\",\"message\":\"the request did not arrive in time\"}}")
      .getBytes(StandardCharsets.US_ASCII);

  private final long deadlineNanos;
  private final Runnable onTimeout;
  private ScheduledFuture<?> timer;
  private boolean waitingForNextRequest = true;

  HeaderDeadline(long deadlineNanos, Runnable onTimeout) {
    this.deadlineNanos = deadlineNanos;
    this.onTimeout = onTimeout;
  }

  /** The request on this channel has arrived whole: stop its clock until the next one starts. */
  static void requestReceived(Channel channel) {
    HeaderDeadline deadline = channel.attr(KEY).get();
    if (deadline != null) {
      deadline.disarm();
      deadline.waitingForNextRequest = false;
    }
  }

  /** The response went out: the next byte starts the next request's clock. */
  static void responseSent(Channel channel) {
    HeaderDeadline deadline = channel.attr(KEY).get();
    if (deadline != null) {
      deadline.waitingForNextRequest = true;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().attr(KEY).set(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    disarm();
    ctx.channel().attr(KEY).set(null);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (waitingForNextRequest && timer == null) {
      timer = ctx.executor().schedule(() -> expire(ctx), deadlineNanos, TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  private void expire(ChannelHandlerContext ctx) {
    timer = null;
    onTimeout.run();
    ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
  }

  private void disarm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    disarm();
    ctx.fireChannelInactive();
  }
}
