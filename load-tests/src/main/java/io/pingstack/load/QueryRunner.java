package io.pingstack.load;

import io.netty.bootstrap.Bootstrap;
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
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP/1.1 benchmark of GET queries: each of {@code connections} keep-alive
 * connections sends one query, waits for the whole answer and sends the next, cycling through the
 * queries (connection {@code i} starts at query {@code i}, so that every query is in flight about
 * equally often). One Netty event loop thread runs everything, so the state below needs no locks.
 * Warmup, measured window and unanswered requests work as in {@link LoadGenerator}.
 */
final class QueryRunner {
  private static final int MAX_ANSWER_BYTES = 64 << 20;
  private static final long RECONNECT_DELAY_MILLIS = 100;
  private static final long FINISH_GRACE_SECONDS = 30;
  /** Latencies above this are recorded as this. */
  private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);

  private final QueryOptions options;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final InetSocketAddress address;
  private final String hostHeader;
  private final String[] targets;
  private final Connection[] connections;
  private final CompletableFuture<QueryResult> done = new CompletableFuture<>();
  private final Set<String> reported = new HashSet<>();
  private Tally[] tallies;
  private boolean measuring;
  private long measureStartNanos;
  private boolean stopped;

  private QueryRunner(QueryOptions options, EventLoop loop) {
    this.options = options;
    this.loop = loop;
    this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
    this.address = new InetSocketAddress(options.url().getHost(), Args.port(options.url()));
    this.hostHeader = Args.hostHeader(options.url());
    this.targets = options.queries().stream().map(options::target).toArray(String[]::new);
    this.tallies = newTallies();
    this.connections = new Connection[options.connections()];
    for (int i = 0; i < connections.length; i++) {
      connections[i] = new Connection(i % targets.length);
    }
  }

  /**
   * Runs the benchmark and returns the measured window's figures. An interrupt of the calling
   * thread ends the run early (the interrupt is consumed) and returns what was measured until then.
   */
  static QueryResult run(QueryOptions options) {
    EventLoopGroup group = new NioEventLoopGroup(1);
    try {
      QueryRunner runner = new QueryRunner(options, group.next());
      runner.loop.execute(runner::start);
      long limitNanos = options.warmup().plus(options.duration()).toNanos()
          + TimeUnit.SECONDS.toNanos(FINISH_GRACE_SECONDS);
      try {
        return runner.done.get(limitNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        runner.loop.execute(runner::finish);
        return runner.done.get(FINISH_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("the query run failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException | InterruptedException | RejectedExecutionException e) {
      throw new IllegalStateException("the query run did not finish in time", e);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
  }

  private void start() {
    try {
      for (Connection connection : connections) {
        connection.connect();
      }
      later(this::startMeasuring, options.warmup().toNanos());
      later(this::finish, options.warmup().plus(options.duration()).toNanos());
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
  }

  private void startMeasuring() {
    if (!stopped) {
      tallies = newTallies();
      measuring = true;
      measureStartNanos = System.nanoTime();
    }
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
    // Stopped within the warmup: the measured window is empty.
    Tally[] window = measuring ? tallies : newTallies();
    long measuredNanos = measuring ? System.nanoTime() - measureStartNanos : 0;
    List<QueryResult.PerQuery> perQuery = new ArrayList<>();
    for (int i = 0; i < targets.length; i++) {
      perQuery.add(window[i].result(options.queries().get(i).name(), targets[i]));
    }
    done.complete(new QueryResult(options.url().toString(), connections.length, measuredNanos / 1e9, unanswered, perQuery));
  }

  private Tally[] newTallies() {
    Tally[] fresh = new Tally[targets.length];
    for (int i = 0; i < fresh.length; i++) {
      fresh[i] = new Tally();
    }
    return fresh;
  }

  private void reportOnce(String kind, Throwable cause) {
    if (reported.add(kind)) {
      System.err.println("query: first " + kind + " failure: " + cause);
    }
  }

  private void later(Runnable task, long delayNanos) {
    ScheduledFuture<?> unused = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** What one query saw in the current window. */
  private static final class Tally {
    private final Histogram latencyMicros = new Histogram(MAX_LATENCY_MICROS, 3);
    private final Map<String, Long> errors = new TreeMap<>();
    private long requests;
    private long bytes;

    void answered(long latencyNanos, int answerBytes) {
      latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, latencyNanos / 1000)));
      requests++;
      bytes += answerBytes;
    }

    void error(String kind) {
      errors.merge(kind, 1L, Long::sum);
    }

    QueryResult.PerQuery result(String name, String target) {
      return new QueryResult.PerQuery(name, target, requests, latencyMicros.getValueAtPercentile(50),
          latencyMicros.getValueAtPercentile(90), latencyMicros.getValueAtPercentile(99),
          latencyMicros.getMaxValue(), requests == 0 ? 0 : bytes / requests, errors);
    }
  }

  /** One keep-alive connection slot: survives reconnects and keeps its place in the query cycle. */
  private final class Connection {
    private Channel channel;
    private boolean inFlight;
    private int next;
    private long sentAtNanos;

    Connection(int first) {
      this.next = first;
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
          tallies[next].error("connect");
          reportOnce("connect", connected.cause());
          later(this::connect, TimeUnit.MILLISECONDS.toNanos(RECONNECT_DELAY_MILLIS));
        }
      });
    }

    void send() {
      if (stopped || channel == null || !channel.isActive()) {
        return;
      }
      FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, targets[next]);
      request.headers().set(HttpHeaderNames.HOST, hostHeader).set(HttpHeaderNames.ACCEPT, "application/json");
      if (options.token() != null) {
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token());
      }
      inFlight = true;
      sentAtNanos = System.nanoTime();
      channel.writeAndFlush(request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    void answered(FullHttpResponse answer) {
      long latencyNanos = System.nanoTime() - sentAtNanos;
      inFlight = false;
      if (stopped) {
        return;
      }
      if (answer.status().code() == 200) {
        tallies[next].answered(latencyNanos, answer.content().readableBytes());
      } else {
        tallies[next].error(Integer.toString(answer.status().code()));
      }
      next = (next + 1) % targets.length;
      if (HttpUtil.isKeepAlive(answer)) {
        send();
      } else {
        ChannelFuture unused = channel.close();
      }
    }

    void closed(Channel closedChannel) {
      if (channel != closedChannel) {
        return;
      }
      channel = null;
      if (!stopped) {
        if (inFlight) {
          tallies[next].error("closed");
          next = (next + 1) % targets.length;
        }
        later(this::connect, TimeUnit.MILLISECONDS.toNanos(RECONNECT_DELAY_MILLIS));
      }
      inFlight = false;
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
