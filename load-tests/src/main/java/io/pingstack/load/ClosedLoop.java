package io.pingstack.load;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
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
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The closed-loop HTTP/1.1 machinery of the load generator and the query benchmark: {@code
 * connections} keep-alive connection slots, each sending a request, waiting for the whole answer and
 * sending the next (no pipelining). Everything runs on one Netty event loop thread, so neither this
 * class nor its {@link Client} needs locks.
 *
 * <p>With a {@code rate}, the loop is open instead: a {@link Pacer} sends requests at their intended
 * times, each on a free slot (still one request per connection), and a request's latency runs from
 * its intended time; the service time, from its write, is reported beside it.
 *
 * <p>Timeline: connect, send for {@code warmup} (not measured), measure for {@code duration}, then
 * stop sending and close. Requests still in flight at the end are reported as unanswered. A lost
 * connection is re-opened after a short pause; its slot keeps its index.
 */
final class ClosedLoop<R> {
  /** What the requests are and what their answers mean. Called on the event loop thread only. */
  interface Client<R> {
    /** The next request of connection {@code slot}, or null to leave it idle until another answer or loss. */
    FullHttpRequest request(int slot, ByteBufAllocator alloc);

    /**
     * A whole answer to {@code slot}'s request, received while running, {@code serviceNanos} after the
     * request was written and {@code latencyNanos} after it was intended to be (the same in a closed
     * loop); returns the pause before the slot sends again.
     */
    Duration answered(int slot, FullHttpResponse answer, long latencyNanos, long serviceNanos);

    /** Connection {@code slot} could not connect, while running. */
    void connectFailed(int slot);

    /** Connection {@code slot} closed while running; {@code requestLost} when a request was in flight. */
    void closed(int slot, boolean requestLost);

    /** True when the run has done all it must and ends now, before its duration. */
    boolean finished();

    /** Begins an empty measured window: at the end of the warmup, or at the end of a run that never measured. */
    void startWindow();

    /** The figures of the measured window. */
    R result(Window window);
  }

  /** The figures of a run's progress line, taken on the loop thread. */
  interface ProgressFigures {
    Progress.Figures at(boolean measuring);
  }

  /**
   * The run's timing: {@code measuredNanos} long (0: never measured), {@code cpuNanos} of this whole
   * process within it, {@code unanswered} requests at its end; the run took {@code runNanos} from
   * the first connect. In an open loop, {@code behindSchedule} requests sent within the window waited
   * for a free connection past their intended time, and {@code unsent} were due by its end but never
   * sent (both 0 in a closed loop).
   */
  record Window(long measuredNanos, int unanswered, long cpuNanos, long runNanos, long behindSchedule, long unsent) {
    Window(long measuredNanos, int unanswered, long cpuNanos, long runNanos) {
      this(measuredNanos, unanswered, cpuNanos, runNanos, 0, 0);
    }
  }

  /**
   * What a run is: {@code tool} names it in messages ({@code load}, {@code query}); answers over
   * {@code maxAnswerBytes} fail their connection; {@code rate} is the requests per second of an open
   * loop, 0 for a closed one; {@code progress} shows {@code figures}.
   */
  record Settings(String tool, InetSocketAddress address, int connections, int maxAnswerBytes, Duration warmup,
      Duration duration, double rate, Progress progress, ProgressFigures figures) {
    Settings(String tool, InetSocketAddress address, int connections, int maxAnswerBytes, Duration warmup,
        Duration duration) {
      this(tool, address, connections, maxAnswerBytes, warmup, duration, 0, Progress.NONE, measuring -> null);
    }
  }

  private static final long RECONNECT_DELAY_MILLIS = 100;
  private static final long FINISH_GRACE_SECONDS = 30;

  private final String tool;
  private final Client<R> client;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final InetSocketAddress address;
  private final int maxAnswerBytes;
  private final Duration warmup;
  private final Duration duration;
  private final List<Slot> slots = new ArrayList<>();
  private final ArrayDeque<Slot> idle = new ArrayDeque<>();
  private final CompletableFuture<R> done = new CompletableFuture<>();
  private final Set<String> reported = new HashSet<>();
  /** The schedule of an open loop; null in a closed loop. */
  private final Pacer<Slot> pacer;
  private final Progress progress;
  private final ProgressFigures figures;
  private long behindAtWindowStart;
  private boolean measuring;
  private long measureStartNanos;
  private long measureStartCpuNanos;
  private long runStartNanos;
  private boolean stopped;

  private ClosedLoop(Settings settings, Client<R> client, EventLoop loop) {
    this.tool = settings.tool();
    this.client = requireNonNull(client, "client");
    this.loop = loop;
    this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
    this.address = settings.address();
    this.maxAnswerBytes = settings.maxAnswerBytes();
    this.warmup = settings.warmup();
    this.duration = settings.duration();
    for (int i = 0; i < settings.connections(); i++) {
      slots.add(new Slot(i));
    }
    this.pacer = settings.rate() > 0 ? new Pacer<>(settings.rate(), loop, Slot::sendAt) : null;
    this.progress = settings.progress();
    this.figures = settings.figures();
  }

  /**
   * Runs {@code client}'s requests and returns its figures of the measured window. An interrupt of
   * the calling thread ends the run early (the interrupt is consumed) and returns the figures
   * measured until then.
   */
  static <R> R run(Settings settings, Client<R> client) {
    EventLoopGroup group = new NioEventLoopGroup(1);
    try {
      ClosedLoop<R> run = new ClosedLoop<>(settings, client, group.next());
      run.loop.execute(run::start);
      return await(settings.tool(), run.done, run.loop, run::finish, settings.warmup().plus(settings.duration()));
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Waits for {@code done}, the figures of a run of {@code tool} planned to last {@code runTime} on
   * {@code loop}, and returns them. An interrupt of the calling thread (consumed) runs {@code finish}
   * on the loop, which must complete {@code done} with the figures measured until then.
   */
  static <R> R await(String tool, CompletableFuture<R> done, Executor loop, Runnable finish, Duration runTime) {
    try {
      try {
        return done.get(runTime.toNanos() + TimeUnit.SECONDS.toNanos(FINISH_GRACE_SECONDS), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        loop.execute(finish);
        return done.get(FINISH_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("the " + tool + " run failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException | InterruptedException | RejectedExecutionException e) {
      throw new IllegalStateException("the " + tool + " run did not finish in time", e);
    }
  }

  private void start() {
    runStartNanos = System.nanoTime();
    try {
      if (pacer != null) {
        pacer.start(runStartNanos);
      }
      progress.start(loop, () -> figures.at(measuring));
      for (Slot slot : slots) {
        slot.connect();
      }
      if (warmup.isZero()) {
        startMeasuring();
      } else {
        later(this::startMeasuring, warmup.toNanos());
      }
      later(this::finish, warmup.plus(duration).toNanos());
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
  }

  private void startMeasuring() {
    if (stopped) {
      return;
    }
    client.startWindow();
    behindAtWindowStart = pacer == null ? 0 : pacer.behind();
    measuring = true;
    measureStartNanos = System.nanoTime();
    measureStartCpuNanos = processCpuNanos();
  }

  private void finish() {
    if (stopped) {
      return;
    }
    stopped = true;
    progress.stop();
    int unanswered = 0;
    for (Slot slot : slots) {
      unanswered += slot.inFlight ? 1 : 0;
      if (slot.channel != null) {
        ChannelFuture unused = slot.channel.close();
      }
    }
    // A run that ended before its measured window began (a goal reached during warmup, or an early
    // stop) reports an empty window: warmup answers are never measured.
    if (!measuring) {
      client.startWindow();
    }
    long now = System.nanoTime();
    long unsent = pacer == null ? 0 : pacer.stop(now);
    if (client.finished()) {
      unsent = 0; // what was due after the run had done all it must was never needed
    }
    long behind = pacer == null || !measuring ? 0 : pacer.behind() - behindAtWindowStart;
    long measuredNanos = measuring ? now - measureStartNanos : 0;
    long cpuNanos = measuring ? processCpuNanos() - measureStartCpuNanos : 0;
    done.complete(client.result(new Window(measuredNanos, unanswered, cpuNanos, now - runStartNanos, behind, unsent)));
  }

  /** CPU time of this whole process (all threads), or 0 where the JVM does not tell. */
  static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? Math.max(0, os.getProcessCpuTime())
        : 0;
  }

  /** Prints the first failure of each kind, so that a count of errors comes with one cause. */
  private void reportOnce(String kind, Throwable cause) {
    if (reported.add(kind)) {
      System.err.println(tool + ": first " + kind + " failure: " + cause);
    }
  }

  /** Offers each idle slot one more send; those the client still has nothing for stay idle, in order. Closed loop only. */
  private void wakeIdle() {
    for (int n = idle.size(); n > 0 && !stopped; n--) {
      idle.poll().send();
    }
  }

  private void later(Runnable task, long delayNanos) {
    ScheduledFuture<?> unused = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** One keep-alive connection slot: survives reconnects. */
  private final class Slot {
    private final int index;
    private Channel channel;
    private boolean inFlight;
    private long sentAtNanos;
    private long intendedNanos;

    Slot(int index) {
      this.index = index;
    }

    void connect() {
      if (stopped) {
        return;
      }
      bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(maxAnswerBytes), new Handler());
        }
      }).connect(address).addListener((ChannelFuture connected) -> {
        if (!connected.isSuccess() && !stopped) {
          client.connectFailed(index);
          reportOnce("connect", connected.cause());
          later(this::connect, TimeUnit.MILLISECONDS.toNanos(RECONNECT_DELAY_MILLIS));
        }
      });
    }

    /** Ready for the next request: sends it now (closed loop), or frees the slot for the pacer (open loop). */
    void ready() {
      if (pacer == null) {
        send();
      } else {
        pacer.free(this);
      }
    }

    /**
     * Closed loop: sends the next request now, or waits idle when the client has none. A pause that
     * ends after the connection was re-opened (and has sent again) finds a request in flight: nothing.
     */
    void send() {
      if (stopped || channel == null || !channel.isActive() || inFlight) {
        return;
      }
      if (write(false, 0) == Pacer.Outcome.NOTHING_TO_SEND) {
        idle.add(this);
      }
    }

    /** Open loop: sends the request intended at {@code intended}, for the pacer. */
    Pacer.Outcome sendAt(long intended) {
      return stopped || channel == null || !channel.isActive() || inFlight
          ? Pacer.Outcome.UNAVAILABLE
          : write(true, intended);
    }

    /** Writes the client's next request, intended at {@code intended} when {@code paced}, else now. */
    private Pacer.Outcome write(boolean paced, long intended) {
      FullHttpRequest request = client.request(index, channel.alloc());
      if (request == null) {
        return Pacer.Outcome.NOTHING_TO_SEND;
      }
      inFlight = true;
      sentAtNanos = System.nanoTime();
      intendedNanos = paced ? intended : sentAtNanos;
      channel.writeAndFlush(request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      return Pacer.Outcome.SENT;
    }

    void answered(FullHttpResponse answer) {
      long now = System.nanoTime();
      inFlight = false;
      if (stopped) {
        return;
      }
      Duration pause = client.answered(index, answer, now - intendedNanos, now - sentAtNanos);
      if (client.finished()) {
        finish();
        return;
      }
      if (!HttpUtil.isKeepAlive(answer)) {
        ChannelFuture unused = channel.close();
      } else if (!pause.isZero()) {
        later(this::ready, pause.toNanos());
      } else {
        ready();
      }
      if (pacer == null) {
        wakeIdle();
      }
    }

    void closed(Channel closedChannel) {
      if (channel != closedChannel) {
        return;
      }
      channel = null;
      boolean requestLost = inFlight;
      inFlight = false;
      idle.remove(this);
      if (pacer != null) {
        pacer.remove(this);
      }
      if (!stopped) {
        client.closed(index, requestLost);
        later(this::connect, TimeUnit.MILLISECONDS.toNanos(RECONNECT_DELAY_MILLIS));
        if (pacer == null) {
          wakeIdle();
        }
      }
    }

    /** The pipeline end of one channel of this connection slot. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpResponse> {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ready();
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
