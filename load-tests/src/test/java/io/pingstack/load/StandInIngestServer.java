package io.pingstack.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.pingstack.model.DecodedBatch;
import io.pingstack.model.JsonPings;
import io.pingstack.model.MalformedBodyException;
import io.pingstack.model.PingRules;
import io.pingstack.model.TooManyPingsException;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import io.pingstack.model.proto.PingError;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in for the Pingstack ingest endpoint on a loopback port: decodes each
 * {@code POST /v1/pings} body (a {@code PingBatch}, or JSON or NDJSON pings read and validated by the
 * server's own {@code JsonPings}; gzipped or not), remembers every ping id, and answers what its
 * {@link Policy} decides, as an {@code IngestResponse} when asked for protobuf, else as JSON (with
 * the per-ping {@code errors} the policy's response lists).
 * {@code GET /readyz} answers 200. Started {@link #startWithRollups with rollups}, it also counts the
 * pings it accepts and answers the query endpoints through {@link StandInRollups}. {@link #main}
 * serves on {@code PINGSTACK_HTTP_PORT} until terminated, with rollups kept in
 * {@code PINGSTACK_DATA_DIR} when that is set, and gRPC ingest ({@link StandInGrpcServer}, accepting
 * every ping) on {@code PINGSTACK_GRPC_PORT} when that is set, so {@code bin/bench-ingest.sh --server} and
 * {@code bin/bench-rollups.sh --server} can be tried without the real server.
 */
final class StandInIngestServer implements AutoCloseable {
  /**
   * The answer to one request; {@code close} answers with {@code Connection: close} and closes;
   * {@code delay} holds the answer back that long (the connection stalls, the server does not);
   * {@code retryAfterSeconds} (when positive) is sent as {@code Retry-After}; {@code drop} closes the
   * connection right after a keep-alive answer, as a server's idle or shutdown close would.
   */
  record Answer(HttpResponseStatus status, IngestResponse counts, boolean close, Duration delay, int retryAfterSeconds,
      boolean drop) {
    Answer(HttpResponseStatus status, IngestResponse counts) {
      this(status, counts, false);
    }

    Answer(HttpResponseStatus status, IngestResponse counts, boolean close) {
      this(status, counts, close, Duration.ZERO, 0, false);
    }

    /** This answer, sent {@code delay} after the request arrived. */
    Answer after(Duration delay) {
      return new Answer(status, counts, close, delay, retryAfterSeconds, drop);
    }

    /** This answer with {@code Retry-After: seconds}, the connection closed just after it without notice. */
    Answer retryAfterThenDrop(int seconds) {
      return new Answer(status, counts, close, delay, seconds, true);
    }

    static Answer acceptAll(PingBatch batch) {
      return new Answer(HttpResponseStatus.OK, IngestResponse.newBuilder().setAccepted(batch.getPingsCount()).build());
    }
  }

  /** Decides the answer to the {@code n}-th request (counting from 1). */
  interface Policy {
    Answer answer(long n, PingBatch batch);
  }

  private static final PingRules RULES = new PingRules(PingRules.DEFAULT_MAX_AGE);
  private static final int MAX_PINGS = 10_000;

  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Policy policy;
  private final boolean jsonOnly;
  private final Channel server;
  private final AtomicLong requests = new AtomicLong();
  /** Guards {@link #pings} and {@link #pingIds}, so that they are read as one consistent tally. */
  private final Object tally = new Object();
  private long pings;
  private final Set<String> pingIds = new java.util.HashSet<>();
  /** {@code <instance_id>\t<ping_id>} of every ping a 200 answer acknowledged (not listed in its errors). */
  private final Set<String> acknowledgedIds = new java.util.HashSet<>();
  private final Set<String> bodyKinds = ConcurrentHashMap.newKeySet();
  private final AtomicLong invalidPings = new AtomicLong();
  /** Ingest requests received and not yet answered, per connection; see {@link #requestsOverlapped()}. */
  private final Map<Channel, AtomicInteger> unanswered = new ConcurrentHashMap<>();
  private final AtomicLong overlapped = new AtomicLong();
  private final StandInRollups rollups;
  private final long answerDelayNanos;

  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PINGSTACK_HTTP_PORT", "8080"));
    String dataDir = System.getenv("PINGSTACK_DATA_DIR");
    StandInRollups rollups = new StandInRollups(0, dataDir == null ? null : Path.of(dataDir, "stand-in-pings.bin"));
    StandInIngestServer server = new StandInIngestServer((n, batch) -> Answer.acceptAll(batch), false, port, rollups, 0);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    String grpcPort = System.getenv("PINGSTACK_GRPC_PORT");
    if (grpcPort != null) {
      StandInGrpcServer grpc = StandInGrpcServer.acceptingAll(Integer.parseInt(grpcPort));
      Runtime.getRuntime().addShutdownHook(new Thread(grpc::close));
    }
    server.server.closeFuture().await();
  }

  private StandInIngestServer(Policy policy, boolean jsonOnly) throws InterruptedException {
    this(policy, jsonOnly, 0, null, 0);
  }

  private StandInIngestServer(Policy policy, boolean jsonOnly, int port, StandInRollups rollups, long answerDelayNanos)
      throws InterruptedException {
    this.policy = policy;
    this.jsonOnly = jsonOnly;
    this.rollups = rollups;
    this.answerDelayNanos = answerDelayNanos;
    this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 << 20), new Handler());
          }
        })
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
  }

  /** Answers with {@code policy}, in protobuf when the client asks for it. */
  static StandInIngestServer start(Policy policy) throws InterruptedException {
    return new StandInIngestServer(policy, false);
  }

  /**
   * Accepts every ping and answers the query endpoints from their counts: a ping shows in them
   * {@code visibleAfter} after it was acknowledged, and every query answer waits {@code answerDelay}.
   */
  static StandInIngestServer startWithRollups(Duration visibleAfter, Duration answerDelay) throws InterruptedException {
    return new StandInIngestServer((n, batch) -> Answer.acceptAll(batch), false, 0,
        new StandInRollups(visibleAfter.toNanos(), null), answerDelay.toNanos());
  }

  /** Answers with {@code policy}, always in JSON (as a server that ignores {@code Accept} would). */
  static StandInIngestServer startJsonOnly(Policy policy) throws InterruptedException {
    return new StandInIngestServer(policy, true);
  }

  URI url() {
    InetSocketAddress bound = (InetSocketAddress) server.localAddress();
    return URI.create("http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort());
  }

  long requests() {
    return requests.get();
  }

  long pings() {
    synchronized (tally) {
      return pings;
    }
  }

  /**
   * Pings received and the distinct ping ids among them, read together: a request still arriving
   * when a run ends counts in both or in neither.
   */
  long[] pingsAndDistinctIds() {
    synchronized (tally) {
      return new long[] {pings, pingIds.size()};
    }
  }

  /** {@code <instance_id>\t<ping_id>} of every ping a 200 answer acknowledged, as a ledger writes them. */
  Set<String> acknowledgedIds() {
    synchronized (tally) {
      return Set.copyOf(acknowledgedIds);
    }
  }

  /** Adds the ids of {@code pings} that {@code counts} does not list in its errors to {@code ids}. */
  static void acknowledge(Set<String> ids, List<Ping> pings, IngestResponse counts) {
    Set<Integer> refused = new java.util.HashSet<>();
    counts.getErrorsList().forEach(e -> refused.add(e.getIndex()));
    for (int i = 0; i < pings.size(); i++) {
      if (!refused.contains(i)) {
        ids.add(pings.get(i).getInstanceId() + "\t" + pings.get(i).getPingId());
      }
    }
  }

  /**
   * Requests that arrived on a connection while an earlier one on it was not answered yet: a
   * generator that keeps one request in flight per connection never causes one.
   */
  long requestsOverlapped() {
    return overlapped.get();
  }

  /** Every {@code Content-Type} received, with {@code +gzip} when the body was gzipped. */
  Set<String> bodyKinds() {
    return Set.copyOf(bodyKinds);
  }

  /** Pings of JSON bodies that the server's own decoder refused. */
  long invalidPings() {
    return invalidPings.get();
  }

  /** The body of the rollups' answer to a GET of {@code uri}, as a client would get it. */
  String rollupsAnswer(String uri) {
    return rollups.answer(uri).body();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
      if (!"/v1/pings".equals(request.uri())) {
        StandInRollups.Reply reply = rollups == null ? null : rollups.answer(request.uri());
        FullHttpResponse response = reply != null
            ? response(HttpResponseStatus.valueOf(reply.status()), reply.contentType(), reply.body().getBytes(StandardCharsets.UTF_8))
            : response("/readyz".equals(request.uri()) ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND, "text/plain", new byte[0]);
        if (reply != null && answerDelayNanos > 0) {
          ScheduledFuture<?> unused = ctx.executor().schedule(
              () -> ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE),
              answerDelayNanos, TimeUnit.NANOSECONDS);
        } else {
          ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
        return;
      }
      AtomicInteger pending = unanswered.computeIfAbsent(ctx.channel(), c -> new AtomicInteger());
      if (pending.getAndIncrement() > 0) {
        overlapped.incrementAndGet();
      }
      PingBatch batch = decode(request);
      long n = requests.incrementAndGet();
      synchronized (tally) {
        pings += batch.getPingsCount();
        for (Ping ping : batch.getPingsList()) {
          pingIds.add(ping.getPingId());
        }
      }
      Answer answer = policy.answer(n, batch);
      if (answer.status().code() == 200) {
        synchronized (tally) {
          acknowledge(acknowledgedIds, batch.getPingsList(), answer.counts());
        }
      }
      if (rollups != null && answer.status().code() == 200) {
        rollups.accepted(batch.getPingsList().subList(0, Math.min(batch.getPingsCount(), answer.counts().getAccepted())));
      }
      String accept = request.headers().get(HttpHeaderNames.ACCEPT, "");
      FullHttpResponse response = !jsonOnly && accept.contains("application/x-protobuf")
          ? response(answer.status(), "application/x-protobuf", answer.counts().toByteArray())
          : response(answer.status(), "application/json", json(answer.counts()));
      if (answer.close()) {
        response.headers().set(HttpHeaderNames.CONNECTION, "close");
      }
      if (answer.retryAfterSeconds() > 0) {
        response.headers().set(HttpHeaderNames.RETRY_AFTER, answer.retryAfterSeconds());
      }
      ChannelFutureListener then = answer.close() || answer.drop() ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE;
      Runnable write = () -> {
        pending.decrementAndGet();
        ctx.writeAndFlush(response).addListener(then);
      };
      if (answer.delay().isZero()) {
        write.run();
      } else {
        ScheduledFuture<?> unused = ctx.executor().schedule(write, answer.delay().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    /** The pings of a body in any format and encoding the generator sends; JSON pings are validated as the server would. */
    private PingBatch decode(FullHttpRequest request) throws IOException {
      String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
      boolean gzip = "gzip".equals(request.headers().get(HttpHeaderNames.CONTENT_ENCODING));
      byte[] body;
      try (InputStream in = gzip
          ? new GZIPInputStream(new ByteBufInputStream(request.content().duplicate()))
          : new ByteBufInputStream(request.content().duplicate())) {
        body = in.readAllBytes();
      }
      bodyKinds.add(type + (gzip ? "+gzip" : ""));
      if (type.equals("application/x-protobuf")) {
        return PingBatch.parseFrom(body);
      }
      DecodedBatch decoded;
      try {
        decoded = type.equals("application/json")
            ? JsonPings.decodeJson(body, 0, body.length, RULES, System.currentTimeMillis(), MAX_PINGS)
            : JsonPings.decodeNdjson(body, 0, body.length, RULES, System.currentTimeMillis(), MAX_PINGS);
      } catch (MalformedBodyException | TooManyPingsException e) {
        throw new IOException("a body the server would refuse: " + e.getMessage(), e);
      }
      invalidPings.addAndGet(decoded.rejected().size());
      return PingBatch.newBuilder().addAllPings(decoded.valid()).build();
    }

    private FullHttpResponse response(HttpResponseStatus status, String type, byte[] body) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      return response;
    }

    private byte[] json(IngestResponse counts) {
      StringJoiner errors = new StringJoiner(", ", "[", "]");
      for (PingError e : counts.getErrorsList()) {
        errors.add("{\"index\": " + e.getIndex() + ", \"ping_id\": \"" + e.getPingId() + "\", \"reason\": \""
            + e.getReason() + "\"}");
      }
      return ("{\"accepted\": " + counts.getAccepted() + ", \"duplicates\": " + counts.getDuplicates()
          + ", \"rejected\": " + counts.getRejected() + ", \"errors\": " + errors + ", \"node\": {\"name\": \"stand-in\"}}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }
}
