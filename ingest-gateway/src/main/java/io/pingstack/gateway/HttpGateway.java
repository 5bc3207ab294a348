package io.pingstack.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.pingstack.model.Wal;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener: HTTP/1.1 with keep-alive, and HTTP/2 cleartext by upgrade or prior knowledge,
 * on one port; or, with TLS, HTTP/2 and HTTP/1.1 chosen by ALPN. Ingest (and the Sourcegraph update
 * check, unless disabled) is built in; other endpoints (health, metrics, queries) are handed in.
 */
public final class HttpGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpGateway.class);

  private final GatewayConfig config;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Router router;
  private final InflightBudget budget;
  private final IngestService ingestService;
  private final PingIntake intake;
  private final boolean openIngest;
  private final AtomicLong deadlinesHit = new AtomicLong();
  private final SslContext ssl;
  private final Channel serverChannel;
  private volatile boolean closed;

  private HttpGateway(GatewayConfig config, TlsFiles tls, SourcegraphConfig sourcegraph, IngestService ingestService,
      Map<String, HttpEndpoint> routes, GatewayMetrics metrics) throws InterruptedException {
    this.config = config;
    this.ssl = tls == null ? null : tls.httpContext();
    this.ingestService = ingestService;
    this.budget = new InflightBudget(config.maxInflightBytes());
    this.intake = new PingIntake(config, ingestService, budget, metrics);
    this.openIngest = intake.open();
    IngestEndpoint ingest = new IngestEndpoint(intake);
    Map<String, HttpEndpoint> all = new HashMap<>(routes);
    all.put(IngestEndpoint.PATH, ingest);
    if (sourcegraph.updateCheckEnabled()) {
      UpdateCheckEndpoint updateCheck = new UpdateCheckEndpoint(intake, sourcegraph, InstantSource.system());
      UpdateCheckEndpoint.PATHS.forEach(path -> all.put(path, updateCheck));
    }
    this.router = new Router(all);
    this.boss = new NioEventLoopGroup(1);
    this.workers = new NioEventLoopGroup(config.eventLoopThreads());
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            configure(ch.pipeline(), metrics);
          }
        });
    try {
      this.serverChannel = bootstrap.bind(new InetSocketAddress(config.host(), config.port())).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * As {@link #start(GatewayConfig, TlsFiles, SourcegraphConfig, IngestService, Map, GatewayMetrics)},
   * without TLS, with {@link SourcegraphConfig#defaults()}, over {@code wal} ({@link IngestService#open}).
   */
  public static HttpGateway start(GatewayConfig config, Wal wal, Map<String, HttpEndpoint> routes, GatewayMetrics metrics) {
    return start(config, null, SourcegraphConfig.defaults(), IngestService.open(wal, config), routes, metrics);
  }

  /**
   * Binds the port and starts serving, with pings accepted through {@code ingest}: over TLS (HTTP/2
   * or HTTP/1.1 by ALPN) when {@code tls} is set, else HTTP/1.1 and h2c. {@code routes} maps a path
   * to its endpoint; a path ending with {@code /} serves every path under it that has no route of
   * its own.
   */
  public static HttpGateway start(GatewayConfig config, TlsFiles tls, SourcegraphConfig sourcegraph, IngestService ingest,
      Map<String, HttpEndpoint> routes, GatewayMetrics metrics) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(sourcegraph, "sourcegraph");
    Objects.requireNonNull(ingest, "ingest");
    try {
      HttpGateway gateway = new HttpGateway(config, tls, sourcegraph, ingest, routes, metrics);
      LOG.info("HTTP listening on {}:{} ({})", config.host(), gateway.port(),
          tls == null ? "HTTP/1.1 and h2c" : "TLS: HTTP/2 and HTTP/1.1 by ALPN");
      if (gateway.openIngest) {
        LOG.warn("ingest is OPEN: no ingest tokens are configured, anyone who can reach port {} may send pings", gateway.port());
      }
      if (sourcegraph.updateCheckEnabled()) {
        LOG.info("Sourcegraph update checks are OPEN on {}: no ingest token{}; initAdmin {}; {}", UpdateCheckEndpoint.PATHS,
            config.rateLimitPingsPerSecond() > 0 ? ", rate limit by address" : "",
            sourcegraph.initAdmin() == SourcegraphConfig.InitAdmin.HASH ? "hashed" : "dropped",
            sourcegraph.updateVersion().isEmpty() ? "no update announced" : "announcing " + sourcegraph.updateVersion());
      }
      return gateway;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding port " + config.port(), e);
    }
  }

  private void configure(ChannelPipeline p, GatewayMetrics metrics) {
    if (ssl != null) {
      configureTls(p, metrics);
      return;
    }
    long deadline = config.requestDeadline().toNanos();
    HttpServerCodec http1 = new HttpServerCodec(8192, config.maxHeaderBytes(), 64 * 1024);
    HttpServerUpgradeHandler.UpgradeCodecFactory upgrades = protocol ->
        AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
            ? new Http2ServerUpgradeCodec(http2Codec(), new Http2MultiplexHandler(streamInitializer(metrics)))
            : null;
    HttpServerUpgradeHandler upgrade = new BodylessUpgradeHandler(http1, upgrades);
    ChannelInitializer<Channel> priorKnowledge = new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(http2Codec(), new Http2MultiplexHandler(streamInitializer(metrics)));
      }
    };
    p.addLast(new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    p.addLast(new HeaderDeadline(deadline, deadlinesHit::incrementAndGet));
    p.addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge));
    p.addLast(new HttpHandler(router, budget, metrics, deadline));
  }

  /**
   * TLS first; the request deadline then counts decrypted bytes (the handshake has its own timeout),
   * and ALPN picks the protocol. HTTP/2 streams keep their own deadlines, as with h2c.
   */
  private void configureTls(ChannelPipeline p, GatewayMetrics metrics) {
    long deadline = config.requestDeadline().toNanos();
    p.addLast(new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    p.addLast(ssl.newHandler(p.channel().alloc()));
    p.addLast(new HeaderDeadline(deadline, deadlinesHit::incrementAndGet));
    p.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
      @Override
      protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
          pipeline.remove(HeaderDeadline.class);
          pipeline.addLast(http2Codec(), new Http2MultiplexHandler(streamInitializer(metrics)));
        } else {
          pipeline.addLast(new HttpServerCodec(8192, config.maxHeaderBytes(), 64 * 1024));
        }
        pipeline.addLast(new HttpHandler(router, budget, metrics, deadline));
      }
    });
  }

  private Http2FrameCodec http2Codec() {
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings()
            .maxConcurrentStreams(128)
            .maxHeaderListSize(config.maxHeaderBytes())
            .initialWindowSize(1 << 20))
        .decoderEnforceMaxRstFramesPerWindow(200, 30)
        .build();
  }

  private ChannelInitializer<Channel> streamInitializer(GatewayMetrics metrics) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel stream) {
        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
        stream.pipeline().addLast(new HttpHandler(router, budget, metrics, config.requestDeadline().toNanos()));
      }
    };
  }

  GatewayConfig config() {
    return config;
  }

  PingIntake intake() {
    return intake;
  }

  EventLoopGroup bossGroup() {
    return boss;
  }

  EventLoopGroup workerGroup() {
    return workers;
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** True when no ingest token is configured. */
  public boolean openIngest() {
    return openIngest;
  }

  public long dedupEntries() {
    return ingestService.dedupEntries();
  }

  public long dedupEvictedEarly() {
    return ingestService.dedupEvictedEarly();
  }

  public long inflightBytes() {
    return budget.used();
  }

  /** Requests cut off by the absolute request deadline (slow senders). */
  public long deadlinesHit() {
    return deadlinesHit.get();
  }

  /**
   * Stops accepting: the port closes, new requests on open connections get 503, and this waits up
   * to {@code timeout} for requests in progress to be answered.
   */
  public void drain(java.time.Duration timeout) {
    router.drain();
    serverChannel.close().syncUninterruptibly();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (router.inflight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (router.inflight() > 0) {
      LOG.warn("{} requests still in progress after {}; closing anyway", router.inflight(), timeout);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    router.drain();
    serverChannel.close().syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
