package io.pingstack.load;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.pingstack.model.proto.IngestResponse;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The closed-loop generator of {@code --protocol grpc-unary} and {@code grpc-stream}: {@code
 * connections} gRPC channels, each its own HTTP/2 connection (plaintext h2c), each with one call in
 * flight; the next call starts when the last one closes. A call carries one batch ({@code Ingest})
 * or {@code streamBatches} batches ({@code IngestStream}, half-closed after the last). Every channel
 * runs on one shared Netty event loop thread, which also runs every gRPC callback, so the state
 * below needs no locks.
 *
 * <p>It measures as {@link LoadGenerator} does: acknowledged pings are the {@code accepted} of the
 * responses, never what was sent; calls count in the window they close in; a failed call is counted
 * by its status code and acknowledges nothing, and pauses its channel for its {@code retry-after}
 * trailer (at most one second), or 100 ms after an UNAVAILABLE without one (no connection). A
 * call's latency runs from its start, its first batch built, to its response: for a stream, the
 * whole stream, the building of its later batches included.
 *
 * <p>With a {@code rate} ({@code grpc-unary} only), the loop is open: calls start at their intended
 * times ({@link Pacer}), still one in flight per channel, and a call's latency runs from its
 * intended time; its service time, from its start, is reported beside it.
 *
 * <p>A stream sends its next batch only while gRPC calls it ready (HTTP/2 flow control and the
 * transport's buffer), so a server that stops reading holds the generator back instead of making it
 * buffer. With a {@code total}, batches are cut and streams half-closed early as {@link
 * LoadGenerator} cuts requests, so that exactly {@code total} pings are acknowledged.
 */
final class GrpcLoadGenerator {
  private static final int MAX_ANSWER_BYTES = 1 << 20;
  private static final long MAX_RETRY_AFTER_MILLIS = 1000;
  private static final long RECONNECT_DELAY_MILLIS = 100;
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

  private final LoadOptions options;
  private final EventLoop loop;
  private final MethodDescriptor<byte[], IngestResponse> method;
  private final int batchesPerCall;
  private final PingBodies[] bodies;
  private final Ledger ledger;
  private final Progress progress;
  /** Each channel's pings of the call in flight, for the ledger; null without one. */
  private final SentPings[] sent;
  private final List<Slot> slots = new ArrayList<>();
  private final ArrayDeque<Slot> idle = new ArrayDeque<>();
  private final CompletableFuture<LoadResult> done = new CompletableFuture<>();
  private final Set<String> reported = new HashSet<>();
  /** The schedule of an open loop; null in a closed loop. */
  private final Pacer<Slot> pacer;
  private LoadStats stats;
  private long behindAtWindowStart;
  private long pingsAckedInRun;
  private long pingsInFlight;
  private boolean measuring;
  private boolean stopped;
  private long measureStartNanos;
  private long measureStartCpuNanos;
  private long runStartNanos;

  private GrpcLoadGenerator(LoadOptions options, EventLoop loop, List<ManagedChannel> channels, Ledger ledger,
      Progress progress) {
    this.options = options;
    this.loop = loop;
    boolean stream = options.protocol() == LoadOptions.Protocol.GRPC_STREAM;
    this.method = stream ? GrpcIngestMethods.INGEST_STREAM : GrpcIngestMethods.INGEST;
    this.batchesPerCall = stream ? options.streamBatches() : 1;
    this.bodies = PingBodies.perConnection(options);
    this.ledger = ledger;
    this.progress = progress;
    this.sent = ledger.enabled() ? new SentPings[bodies.length] : null;
    for (int i = 0; sent != null && i < sent.length; i++) {
      sent[i] = bodies[i].recordSent();
    }
    for (int i = 0; i < channels.size(); i++) {
      slots.add(new Slot(i, channels.get(i)));
    }
    this.pacer = options.openLoop() ? new Pacer<>(options.rate(), loop, Slot::startCallAt) : null;
    this.stats = new LoadStats(options.openLoop());
  }

  /**
   * Runs the load described by {@code options} (a gRPC protocol) and returns the measured window's
   * figures. An interrupt of the calling thread ends the run early (the interrupt is consumed) and
   * returns the figures measured until then.
   */
  static LoadResult run(LoadOptions options) {
    return run(options, Progress.NONE);
  }

  /** As {@link #run(LoadOptions)}, showing {@code progress}. */
  static LoadResult run(LoadOptions options, Progress progress) {
    EventLoopGroup group = new NioEventLoopGroup(1);
    EventLoop loop = group.next();
    List<ManagedChannel> channels = new ArrayList<>();
    try (Ledger ledger = Ledger.open(options.ledger())) {
      InetSocketAddress address = new InetSocketAddress(options.url().getHost(), options.port());
      for (int i = 0; i < options.connections(); i++) {
        channels.add(NettyChannelBuilder.forAddress(address)
            .eventLoopGroup(group)
            .channelType(NioSocketChannel.class)
            .executor(loop) // callbacks on the loop thread too: the one thread the state is confined to
            .usePlaintext()
            .disableRetry() // a failed call is an error of the run, never sent again behind its back
            .maxInboundMessageSize(MAX_ANSWER_BYTES)
            .build());
      }
      GrpcLoadGenerator run = new GrpcLoadGenerator(options, loop, channels, ledger, progress);
      loop.execute(run::start);
      return ClosedLoop.await("load", run.done, loop, run::finish, options.warmup().plus(options.duration()));
    } finally {
      close(channels);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
  }

  private static void close(List<ManagedChannel> channels) {
    channels.forEach(ManagedChannel::shutdownNow);
    try {
      for (ManagedChannel channel : channels) {
        boolean unused = channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void start() {
    runStartNanos = System.nanoTime();
    try {
      if (pacer != null) {
        pacer.start(runStartNanos);
      }
      progress.start(loop, () -> stats.progress(measuring, pingsAckedInRun));
      for (Slot slot : slots) {
        slot.ready();
      }
      if (options.warmup().isZero()) {
        startMeasuring();
      } else {
        later(this::startMeasuring, options.warmup().toMillis());
      }
      later(this::finish, options.warmup().plus(options.duration()).toMillis());
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
  }

  private void startMeasuring() {
    if (stopped) {
      return;
    }
    stats = new LoadStats(options.openLoop());
    behindAtWindowStart = pacer == null ? 0 : pacer.behind();
    measuring = true;
    measureStartNanos = System.nanoTime();
    measureStartCpuNanos = ClosedLoop.processCpuNanos();
  }

  private void finish() {
    if (stopped) {
      return;
    }
    stopped = true;
    progress.stop();
    int unanswered = 0;
    for (Slot slot : slots) {
      if (slot.call != null) {
        unanswered++;
        slot.call.cancel("the load run is over", null);
      }
    }
    // A run that ended before its measured window began reports an empty window, as ClosedLoop does.
    if (!measuring) {
      stats = new LoadStats(options.openLoop());
    }
    long now = System.nanoTime();
    // What was due after a total was reached was never needed.
    long unsent = pacer == null || reachedTotal() ? 0 : pacer.stop(now);
    long behind = pacer == null || !measuring ? 0 : pacer.behind() - behindAtWindowStart;
    long measuredNanos = measuring ? now - measureStartNanos : 0;
    long cpuNanos = measuring ? ClosedLoop.processCpuNanos() - measureStartCpuNanos : 0;
    ledger.end();
    done.complete(stats.result(options,
        new ClosedLoop.Window(measuredNanos, unanswered, cpuNanos, now - runStartNanos, behind, unsent), pingsAckedInRun,
        ledger));
  }

  private boolean reachedTotal() {
    return options.total() > 0 && pingsAckedInRun >= options.total();
  }

  /** Reserves the pings of one more batch: {@code --batch}, or fewer (even 0) when a total is near. */
  private int reserve() {
    int pings = options.batch();
    if (options.total() > 0) {
      pings = (int) Math.max(0, Math.min(pings, options.total() - pingsAckedInRun - pingsInFlight));
    }
    pingsInFlight += pings;
    return pings;
  }

  /** Offers each idle channel one more call; those that still have nothing to send stay idle, in order. */
  private void wakeIdle() {
    for (int n = idle.size(); n > 0 && !stopped; n--) {
      idle.poll().startCall();
    }
  }

  /** Prints the first failure of each status, so that a count of errors comes with one cause. */
  private void reportOnce(String kind, String cause) {
    if (reported.add(kind)) {
      System.err.println("load: first " + kind + " failure: " + cause);
    }
  }

  private void later(Runnable task, long delayMillis) {
    ScheduledFuture<?> unused = loop.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
  }

  private Metadata headers() {
    Metadata headers = new Metadata();
    if (options.token() != null) {
      headers.put(AUTHORIZATION, "Bearer " + options.token());
    }
    return headers;
  }

  /** The pause before a failed call's channel starts its next call. */
  private static long pauseMillis(Status status, Metadata trailers) {
    String retryAfter = trailers == null ? null : trailers.get(RETRY_AFTER);
    if (retryAfter != null) {
      try {
        return Math.min(MAX_RETRY_AFTER_MILLIS, Math.max(0, Long.parseLong(retryAfter.trim()) * 1000));
      } catch (NumberFormatException e) {
        return MAX_RETRY_AFTER_MILLIS;
      }
    }
    return status.getCode() == Status.Code.UNAVAILABLE ? RECONNECT_DELAY_MILLIS : 0;
  }

  /** One channel and its call in flight, if any. */
  private final class Slot {
    private final int index;
    private final ManagedChannel channel;
    private ClientCall<byte[], IngestResponse> call;
    private IngestResponse response;
    private boolean halfClosed;
    private int batchesSent;
    /** Pings of the call in flight, reserved until it closes. */
    private int pingsSent;
    private long startNanos;
    private long intendedNanos;

    Slot(int index, ManagedChannel channel) {
      this.index = index;
      this.channel = channel;
    }

    /** Ready for the next call: starts it now (closed loop), or frees the channel for the pacer (open loop). */
    void ready() {
      if (pacer == null) {
        startCall();
      } else {
        pacer.free(this);
      }
    }

    /** Closed loop: starts the next call, or waits idle when there is nothing left to send. */
    void startCall() {
      if (stopped || call != null) {
        return;
      }
      if (start(false, 0) == Pacer.Outcome.NOTHING_TO_SEND) {
        idle.add(this);
      }
    }

    /** Open loop: starts the call intended at {@code intended}, for the pacer. */
    Pacer.Outcome startCallAt(long intended) {
      return stopped || call != null ? Pacer.Outcome.UNAVAILABLE : start(true, intended);
    }

    /** Starts a call, intended at {@code intended} when {@code paced}, else now. */
    private Pacer.Outcome start(boolean paced, long intended) {
      int pings = reserve();
      if (pings == 0) {
        return Pacer.Outcome.NOTHING_TO_SEND;
      }
      if (sent != null) {
        sent[index].clear();
      }
      byte[] first = bodies[index].bytes(pings, System.currentTimeMillis());
      call = channel.newCall(method, CallOptions.DEFAULT);
      response = null;
      halfClosed = false;
      batchesSent = 0;
      pingsSent = 0;
      startNanos = System.nanoTime();
      intendedNanos = paced ? intended : startNanos;
      call.start(new Listener(call), headers());
      call.request(1);
      send(first, pings);
      sendWhileReady();
      return Pacer.Outcome.SENT;
    }

    /** Sends a stream's next batches while the call is ready; half-closes after its last. */
    void sendWhileReady() {
      while (call != null && !halfClosed && call.isReady()) {
        int pings = reserve();
        if (pings == 0) {
          halfClose();
          return;
        }
        send(bodies[index].bytes(pings, System.currentTimeMillis()), pings);
      }
    }

    private void send(byte[] batch, int pings) {
      call.sendMessage(batch);
      batchesSent++;
      pingsSent += pings;
      if (batchesSent == batchesPerCall) {
        halfClose();
      }
    }

    private void halfClose() {
      halfClosed = true;
      call.halfClose();
    }

    void closed(Status status, Metadata trailers) {
      long now = System.nanoTime();
      IngestResponse counts = response;
      call = null;
      response = null;
      pingsInFlight -= pingsSent;
      pingsSent = 0;
      if (stopped) {
        return;
      }
      long pause = 0;
      if (status.isOk() && counts != null) {
        stats.acknowledged(now - intendedNanos, now - startNanos, counts);
        pingsAckedInRun += Integer.toUnsignedLong(counts.getAccepted());
        if (sent != null) {
          ledger.acknowledged(sent[index], counts);
        }
      } else if (status.isOk()) {
        stats.error("bad_response");
        reportOnce("bad_response", "a call closed OK without a response");
      } else {
        String code = status.getCode().name();
        stats.error(code);
        reportOnce(code, status.toString());
        pause = pauseMillis(status, trailers);
      }
      if (reachedTotal()) {
        finish();
        return;
      }
      if (pause > 0) {
        later(this::ready, pause);
      } else {
        ready();
      }
      if (pacer == null) {
        wakeIdle();
      }
    }

    /** The callbacks of one call, on the loop thread; those of a call that is no longer the slot's are ignored. */
    private final class Listener extends ClientCall.Listener<IngestResponse> {
      private final ClientCall<byte[], IngestResponse> own;

      Listener(ClientCall<byte[], IngestResponse> own) {
        this.own = own;
      }

      @Override
      public void onMessage(IngestResponse message) {
        if (call == own) {
          response = message;
        }
      }

      @Override
      public void onReady() {
        if (call == own && !stopped) {
          sendWhileReady();
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        if (call == own) {
          closed(status, trailers);
        }
      }
    }
  }
}
