package io.pingstack.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.pingstack.model.proto.IngestResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A closed-loop HTTP/1.1 load generator for {@code POST /v1/pings} on the {@link ClosedLoop}
 * machinery: each of {@code connections} keep-alive connections sends a request, waits for the whole
 * answer and sends the next (no pipelining), on one event loop thread, so the state below needs no
 * locks.
 *
 * <p>Answers are counted by the window they complete in. A 429 or 503 pauses that connection for its
 * {@code Retry-After} (at most one second). Each connection slot survives reconnects, so its ping
 * ids keep counting up.
 *
 * <p>With a {@code total}, no request is sent for more pings than {@code total} minus those
 * acknowledged and those in flight, and the run ends when {@code total} pings are acknowledged:
 * exactly that many, unless an answer was lost with its connection (the server may have accepted
 * those pings without the generator knowing). Connections with nothing left to send wait idle until
 * a failed request gives its pings back.
 */
final class LoadGenerator implements ClosedLoop.Client<LoadResult> {
  private static final int MAX_ANSWER_BYTES = 1 << 20;
  private static final long MAX_RETRY_AFTER_MILLIS = 1000;
  private static final String PROTOBUF = "application/x-protobuf";

  private final LoadOptions options;
  private final String hostHeader;
  private final String path;
  private final PingBodies[] bodies;
  /** Pings of each connection's request in flight; 0 when none is. */
  private final int[] pingsSent;
  private LoadStats stats = new LoadStats();
  private long pingsAckedInRun;
  private long pingsInFlight;

  private LoadGenerator(LoadOptions options) {
    this.options = options;
    this.hostHeader = Args.hostHeader(options.url());
    this.path = options.path();
    this.bodies = PingBodies.perConnection(options);
    this.pingsSent = new int[bodies.length];
  }

  /**
   * Runs the load described by {@code options} and returns the measured window's figures. An
   * interrupt of the calling thread ends the run early (the interrupt is consumed) and returns the
   * figures measured until then.
   */
  static LoadResult run(LoadOptions options) {
    return ClosedLoop.run(new ClosedLoop.Settings("load", new InetSocketAddress(options.url().getHost(), options.port()),
        options.connections(), MAX_ANSWER_BYTES, options.warmup(), options.duration()), new LoadGenerator(options));
  }

  @Override
  public FullHttpRequest request(int slot, ByteBufAllocator alloc) {
    int pings = options.batch();
    if (options.total() > 0) {
      long left = options.total() - pingsAckedInRun - pingsInFlight;
      if (left <= 0) {
        return null;
      }
      pings = (int) Math.min(pings, left);
    }
    ByteBuf body = alloc.buffer(bodies[slot].maxBodySize(pings));
    bodies[slot].write(body, pings, System.currentTimeMillis());
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, body);
    request.headers()
        .set(HttpHeaderNames.HOST, hostHeader)
        .set(HttpHeaderNames.CONTENT_TYPE, PROTOBUF)
        .set(HttpHeaderNames.ACCEPT, PROTOBUF)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    if (options.token() != null) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token());
    }
    pingsSent[slot] = pings;
    pingsInFlight += pings;
    return request;
  }

  @Override
  public Duration answered(int slot, FullHttpResponse answer, long latencyNanos) {
    landed(slot);
    if (answer.status().code() != 200) {
      stats.error(Integer.toString(answer.status().code()));
      return Duration.ofMillis(retryAfterMillis(answer));
    }
    try {
      IngestResponse counts = Answers.parse(answer.headers().get(HttpHeaderNames.CONTENT_TYPE), answer.content());
      stats.acknowledged(latencyNanos, counts);
      pingsAckedInRun += Integer.toUnsignedLong(counts.getAccepted());
    } catch (IOException e) {
      stats.error("bad_response");
    }
    return Duration.ZERO;
  }

  @Override
  public void connectFailed(int slot) {
    stats.error("connect");
  }

  @Override
  public void closed(int slot, boolean requestLost) {
    landed(slot);
    stats.error("closed");
  }

  @Override
  public boolean finished() {
    return options.total() > 0 && pingsAckedInRun >= options.total();
  }

  @Override
  public void startWindow() {
    stats = new LoadStats();
  }

  @Override
  public LoadResult result(ClosedLoop.Window window) {
    return stats.result(options, window, pingsAckedInRun);
  }

  /** The request of {@code slot}, if any, is over: its pings are no longer reserved. */
  private void landed(int slot) {
    pingsInFlight -= pingsSent[slot];
    pingsSent[slot] = 0;
  }

  private static long retryAfterMillis(FullHttpResponse answer) {
    String retryAfter = answer.headers().get(HttpHeaderNames.RETRY_AFTER);
    if (retryAfter == null) {
      return 0;
    }
    try {
      return Math.min(MAX_RETRY_AFTER_MILLIS, Math.max(0, Long.parseLong(retryAfter.trim()) * 1000));
    } catch (NumberFormatException e) {
      return MAX_RETRY_AFTER_MILLIS;
    }
  }
}
