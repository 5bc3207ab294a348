package io.pingstack.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.pingstack.model.proto.IngestResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A closed-loop HTTP/1.1 load generator for {@code POST /v1/pings}: each of {@code connections}
 * keep-alive connections sends a request, waits for the whole answer and sends the next (no
 * pipelining). Everything runs on one Netty event loop thread, so the state below needs no locks.
 *
 * <p>Timeline: connect, send for {@code warmup} (not measured), measure for {@code duration}, then
 * stop sending and close. Answers are counted by the window they complete in; requests still in
 * flight at the end are reported as unanswered. A 429 or 503 pauses that connection for its
 * {@code Retry-After} (at most one second); a lost connection is re-opened after a short pause.
 *
 * <p>With a {@code total}, no request is sent for more pings than {@code total} minus those
 * acknowledged and those in flight, and the run ends when {@code total} pings are acknowledged:
 * exactly that many, unless an answer was lost with its connection (the server may have accepted
 * those pings without the generator knowing). Connections with nothing left to send wait idle until
 * a failed request gives its pings back.
 */
final class LoadGenerator {
  private static final int MAX_ANSWER_BYTES = 1 << 20;
  private static final long RECONNECT_DELAY_MILLIS = 100;
  private static final long MAX_RETRY_AFTER_MILLIS = 1000;
  private static final long FINISH_GRACE_SECONDS = 30;
  private static final String PROTOBUF = "application/x-protobuf";

  private final LoadOptions options;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final InetSocketAddress address;
  private final String hostHeader;
  private final String path;
  private final Connection[] connections;
  private final CompletableFuture<LoadResult> done = new CompletableFuture<>();
  private final Set<String> reported = new HashSet<>();
  private final ArrayDeque<Connection> idle = new ArrayDeque<>();
  private LoadStats stats = new LoadStats();
  private boolean measuring;
  private long measureStartNanos;
  private long measureStartCpuNanos;
  private boolean stopped;
  private long runStartNanos;
  private long pingsAckedInRun;
  private long pingsInFlight;

  private LoadGenerator(LoadOptions options, EventLoop loop) {
    this.options = options;
    this.loop = loop;
    this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
    this.address = new InetSocketAddress(options.url().getHost(), options.port());
    this.hostHeader = Args.hostHeader(options.url());
    this.path = options.path();
    PingTemplates templates = new PingTemplates(options.seed(), options.instances(), options.mix());
    TimestampTable spread = options.timeSpread().isZero()
        ? null
        : new TimestampTable(System.currentTimeMillis(), options.timeSpread(), options.seed());
    String runId = HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
    this.connections = new Connection[options.connections()];
    for (int i = 0; i < connections.length; i++) {
      connections[i] = new Connection(new PingBodies(templates, spread, runId, i, options.seed()));
    }
  }

  /**
   * Runs the load described by {@code options} and returns the measured window's figures. An
   * interrupt of the calling thread ends the run early (the interrupt is consumed) and returns the
   * figures measured until then.
   */
  static LoadResult run(LoadOptions options) {
    EventLoopGroup group = new NioEventLoopGroup(1);
    try {
      LoadGenerator generator = new LoadGenerator(options, group.next());
      generator.loop.execute(generator::start);
      long limitNanos = options.warmup().plus(options.duration()).toNanos()
          + TimeUnit.SECONDS.toNanos(FINISH_GRACE_SECONDS);
      try {
        return generator.done.get(limitNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        generator.loop.execute(generator::finish);
        return generator.done.get(FINISH_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("the load run failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException | InterruptedException | RejectedExecutionException e) {
      throw new IllegalStateException("the load run did not finish in time", e);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
  }

  private void start() {
    runStartNanos = System.nanoTime();
    try {
      for (Connection connection : connections) {
        connection.connect();
      }
      if (options.warmup().isZero()) {
        startMeasuring();
      } else {
        later(this::startMeasuring, options.warmup().toNanos());
      }
      later(this::finish, options.warmup().plus(options.duration()).toNanos());
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
  }

  private void startMeasuring() {
    if (stopped) {
      return;
    }
    stats = new LoadStats();
    measuring = true;
    measureStartNanos = System.nanoTime();
    measureStartCpuNanos = processCpuNanos();
  }

  private void finish() {
    if (stopped) {
      return;
    }
    stopped = true;
    int unanswered = 0;
    for (Connection connection : connections) {
      unanswered += connection.inFlight ? 1 : 0;
      if (connection.channel != null) {
        ChannelFuture unused = connection.channel.close();
      }
    }
    // A run that ended before its measured window began (a --total reached during warmup, or an
    // early stop) reports an empty window: warmup answers are never measured.
    LoadStats window = measuring ? stats : new LoadStats();
    long measuredNanos = measuring ? System.nanoTime() - measureStartNanos : 0;
    long cpuNanos = measuring ? processCpuNanos() - measureStartCpuNanos : 0;
    done.complete(window.result(options, measuredNanos, unanswered, cpuNanos, pingsAckedInRun,
        System.nanoTime() - runStartNanos));
  }

  /** CPU time of this whole process (all threads), or 0 where the JVM does not tell. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? Math.max(0, os.getProcessCpuTime())
        : 0;
  }

  /** Prints the first failure of each kind, so that a count of errors comes with one cause. */
  private void reportOnce(String kind, Throwable cause) {
    if (reported.add(kind)) {
      System.err.println("load: first " + kind + " failure: " + cause);
    }
  }

  /** Lets idle connections send again while a {@code total} run has pings left to send. */
  private void wakeIdle() {
    while (!stopped && !idle.isEmpty() && options.total() - pingsAckedInRun - pingsInFlight > 0) {
      idle.poll().send();
    }
  }

  private void later(Runnable task, long delayNanos) {
    ScheduledFuture<?> unused = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** One keep-alive connection slot: survives reconnects, so its ping ids keep counting up. */
  private final class Connection {
    private final PingBodies bodies;
    private Channel channel;
    private boolean inFlight;
    private int pingsSent;
    private long sentAtNanos;

    Connection(PingBodies bodies) {
      this.bodies = bodies;
    }

    void connect() {
      if (stopped) {
        return;
      }
      bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_ANSWER_BYTES), new Handler());
        }
      }).connect(address).addListener((ChannelFuture connected) -> {
        if (!connected.isSuccess() && !stopped) {
          stats.error("connect");
          reportOnce("connect", connected.cause());
          later(this::connect, TimeUnit.MILLISECONDS.toNanos(RECONNECT_DELAY_MILLIS));
        }
      });
    }

    void send() {
      if (stopped || channel == null || !channel.isActive()) {
        return;
      }
      int pings = options.batch();
      if (options.total() > 0) {
        long left = options.total() - pingsAckedInRun - pingsInFlight;
        if (left <= 0) {
          idle.add(this);
          return;
        }
        pings = (int) Math.min(pings, left);
      }
      ByteBuf body = channel.alloc().buffer(bodies.maxBodySize(pings));
      bodies.write(body, pings, System.currentTimeMillis());
      FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, body);
      request.headers()
          .set(HttpHeaderNames.HOST, hostHeader)
          .set(HttpHeaderNames.CONTENT_TYPE, PROTOBUF)
          .set(HttpHeaderNames.ACCEPT, PROTOBUF)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      if (options.token() != null) {
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token());
      }
      inFlight = true;
      pingsSent = pings;
      pingsInFlight += pings;
      sentAtNanos = System.nanoTime();
      channel.writeAndFlush(request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    void answered(FullHttpResponse answer) {
      long latencyNanos = System.nanoTime() - sentAtNanos;
      landed();
      if (stopped) {
        return;
      }
      long pauseMillis = 0;
      if (answer.status().code() == 200) {
        try {
          IngestResponse counts = Answers.parse(answer.headers().get(HttpHeaderNames.CONTENT_TYPE), answer.content());
          stats.acknowledged(latencyNanos, counts);
          pingsAckedInRun += Integer.toUnsignedLong(counts.getAccepted());
          if (options.total() > 0 && pingsAckedInRun >= options.total()) {
            finish();
            return;
          }
        } catch (IOException e) {
          stats.error("bad_response");
        }
      } else {
        stats.error(Integer.toString(answer.status().code()));
        pauseMillis = retryAfterMillis(answer);
      }
      if (!HttpUtil.isKeepAlive(answer)) {
        ChannelFuture unused = channel.close();
      } else if (pauseMillis > 0) {
        later(this::send, TimeUnit.MILLISECONDS.toNanos(pauseMillis));
      } else {
        send();
      }
      wakeIdle();
    }

    /** The request in flight, if any, is over: its pings are no longer reserved. */
    private void landed() {
      if (inFlight) {
        pingsInFlight -= pingsSent;
        inFlight = false;
      }
    }

    void closed(Channel closedChannel) {
      if (channel != closedChannel) {
        return;
      }
      channel = null;
      landed();
      idle.remove(this);
      if (!stopped) {
        stats.error("closed");
        later(this::connect, TimeUnit.MILLISECONDS.toNanos(RECONNECT_DELAY_MILLIS));
        wakeIdle();
      }
    }

    private long retryAfterMillis(FullHttpResponse answer) {
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

    /** The pipeline end of one channel of this connection slot. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpResponse> {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        send();
      }

      @Override
      protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse answer) {
        answered(answer);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        closed(ctx.channel());
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        reportOnce("io", cause);
        ChannelFuture unused = ctx.close();
      }
    }
  }
}
