package io.pingstack.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.gateway.telemetry.TelemeteryGatewayServiceGrpc;
import io.pingstack.model.Wal;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link TelemetryGatewayService} over a real {@link IngestService} and a test WAL, served in
 * process or on a loopback socket (both with {@code directExecutor()}), and a client stub generated
 * from our {@code .proto}. Every call has a 10 s deadline, so a test that hangs fails instead.
 */
final class TelemetryHarness implements AutoCloseable {
  private final InMemoryWal log;
  private final Server server;
  private final Supplier<ManagedChannel> connect;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final TelemeteryGatewayServiceGrpc.TelemeteryGatewayServiceStub stub;

  private TelemetryHarness(InMemoryWal log, Server server, Supplier<ManagedChannel> connect) {
    this.log = log;
    this.server = server;
    this.connect = connect;
    this.stub = connect();
  }

  private TelemeteryGatewayServiceGrpc.TelemeteryGatewayServiceStub connect() {
    ManagedChannel channel = connect.get();
    channels.add(channel);
    return TelemeteryGatewayServiceGrpc.newStub(channel);
  }

  static TelemetryHarness inProcess() {
    InMemoryWal log = new InMemoryWal();
    return inProcess(GatewayConfig.defaults(), log, log);
  }

  /** Served in process; pings go to {@code served} and are read back from {@code log}. */
  static TelemetryHarness inProcess(GatewayConfig config, Wal served, InMemoryWal log) {
    String name = InProcessServerBuilder.generateName();
    Server server = start(InProcessServerBuilder.forName(name).directExecutor()
        .addService(new TelemetryGatewayService(intake(config, served))));
    return new TelemetryHarness(log, server, () -> InProcessChannelBuilder.forName(name).directExecutor().build());
  }

  /** Served by Netty on the loopback address (127.0.0.1) and a free port, reached over TCP. */
  static TelemetryHarness loopback(GatewayConfig config) {
    InMemoryWal log = new InMemoryWal();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    Server server = start(NettyServerBuilder.forAddress(new InetSocketAddress(loopback, 0)).directExecutor()
        .addTransportFilter(GrpcCaller.TRANSPORT_FILTER).addService(new TelemetryGatewayService(intake(config, log))));
    InetSocketAddress address = new InetSocketAddress(loopback, server.getPort());
    return new TelemetryHarness(log, server, () -> NettyChannelBuilder.forAddress(address).usePlaintext().build());
  }

  /** The defaults with a rate limit of {@code perSecond} pings per second per sender and a burst of {@code burst}. */
  static GatewayConfig rateLimited(double perSecond, double burst) {
    GatewayConfig d = GatewayConfig.defaults();
    return new GatewayConfig(d.host(), d.port(), d.node(), d.maxWireBytes(), d.maxDecompressedBytes(),
        d.maxPingsPerBatch(), d.maxHeaderBytes(), d.idleTimeout(), d.requestDeadline(), d.maxInflightBytes(),
        perSecond, burst, d.tokens(), d.maxPingAge(), d.dedupWindow(), d.dedupMaxEntries(), d.eventLoopThreads());
  }

  private static PingIntake intake(GatewayConfig config, Wal wal) {
    IngestService ingest = new IngestService(wal, new DedupWindow(Duration.ofHours(24), 1_000_000), "node-a");
    return new PingIntake(config, ingest, new InflightBudget(config.maxInflightBytes()), GatewayMetrics.NOOP);
  }

  private static Server start(io.grpc.ServerBuilder<?> builder) {
    try {
      return builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a call whose answers go to {@code recorder}; the test sends and half-closes. */
  StreamObserver<RecordEventsRequest> open(ResponseRecorder recorder) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS).recordEvents(recorder);
  }

  /** Sends {@code requests} on one call and half-closes it. */
  ResponseRecorder call(RecordEventsRequest... requests) {
    return call(stub, requests);
  }

  /** As {@link #call}, over a new connection (on a socket: from another client port). */
  ResponseRecorder callOverNewConnection(RecordEventsRequest... requests) {
    return call(connect(), requests);
  }

  private static ResponseRecorder call(TelemeteryGatewayServiceGrpc.TelemeteryGatewayServiceStub stub,
      RecordEventsRequest... requests) {
    ResponseRecorder recorder = new ResponseRecorder();
    StreamObserver<RecordEventsRequest> call = stub.withDeadlineAfter(10, TimeUnit.SECONDS).recordEvents(recorder);
    for (RecordEventsRequest request : requests) {
      call.onNext(request);
    }
    call.onCompleted();
    return recorder;
  }

  /** Every ping in the log, oldest first. */
  List<Ping> stored() {
    return log.records().stream().flatMap(r -> r.getPingsList().stream()).toList();
  }

  List<WalRecord> records() {
    return log.records();
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    server.shutdownNow();
    try {
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
