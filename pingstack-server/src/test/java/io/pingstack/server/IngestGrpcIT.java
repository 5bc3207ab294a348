package io.pingstack.server;

import static io.pingstack.server.Servers.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.proto.IngestServiceGrpc;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import io.pingstack.model.proto.PingError;
import io.pingstack.wal.FileSync;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API.md section 2, gRPC: {@code pingstack.v1.IngestService} over real sockets, against the real service. */
class IngestGrpcIT {
  @TempDir Path dir;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static Ping ping(String instance, String id) {
    return TestPings.ping(instance, id).at(Instant.now()).build();
  }

  static PingBatch batch(Ping... pings) {
    return PingBatch.newBuilder().addAllPings(List.of(pings)).build();
  }

  private ManagedChannel channel(PingstackServer server) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private IngestServiceGrpc.IngestServiceBlockingStub stub(PingstackServer server) {
    return IngestServiceGrpc.newBlockingStub(channel(server)).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static IngestServiceGrpc.IngestServiceBlockingStub withToken(IngestServiceGrpc.IngestServiceBlockingStub stub, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static StatusRuntimeException refusal(Runnable call) {
    return catchThrowableOfType(StatusRuntimeException.class, call::run);
  }

  private static void assertRefused(StatusRuntimeException e, Status.Code code, String errorCode) {
    assertThat(e).as("the call fails").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getTrailers().get(Metadata.Key.of("pingstack-error-code", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo(errorCode);
  }

  @Test
  void unaryIngestAnswersPerPingOutcomesAndSharesDeduplicationWithHttp() throws Exception {
    Ping viaHttp = ping("i-1", "h1");
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      assertThat(Servers.post(server.httpPort(), "application/x-protobuf", TestPings.protoBody(viaHttp)).statusCode()).isEqualTo(200);
      Ping bad = TestPings.ping("i-1", "bad").event("Not.An.Event").at(Instant.now()).build();
      IngestResponse response = stub(server).ingest(batch(ping("i-1", "g1"), bad, viaHttp, ping("i-2", "g2")));
      assertThat(response.getAccepted()).isEqualTo(2);
      assertThat(response.getDuplicates()).isEqualTo(1);
      assertThat(response.getRejected()).isEqualTo(1);
      assertThat(response.getErrorsList()).containsExactly(
          PingError.newBuilder().setIndex(1).setPingId("bad").setReason("invalid_event").build());
      assertThat(stub(server).ingest(batch(ping("i-1", "g1"))).getDuplicates()).isEqualTo(1);
      assertThat(Servers.get(server.httpPort(), "/metrics").body())
          .contains("pingstack_grpc_requests_total{code=\"OK\",method=\"pingstack.v1.IngestService/Ingest\"} 2.0");
    }
    assertThat(Servers.walPings(dir)).extracting(Ping::getPingId).containsExactly("h1", "g1", "g2");
  }

  @Test
  void streamStoresEachBatchAndAnswersOnceWithIndexesCountedAcrossTheStream() throws Exception {
    List<String> expected = new ArrayList<>();
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir, "PINGSTACK_GRPC_MAX_STREAM_PENDING_BATCHES", "2")))) {
      CompletableFuture<IngestResponse> answer = new CompletableFuture<>();
      StreamObserver<PingBatch> stream = IngestServiceGrpc.newStub(channel(server)).withDeadlineAfter(60, TimeUnit.SECONDS)
          .ingestStream(observer(answer));
      int batches = 40;
      for (int b = 0; b < batches; b++) {
        List<Ping> pings = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          String id = "s" + b + "-" + i;
          pings.add(ping("i-" + (i % 3), id));
          expected.add(id);
        }
        if (b == 1) {
          pings.set(3, TestPings.ping("i-1", "old").at(Instant.now().minus(Duration.ofDays(40))).build());
          expected.remove("s1-3");
        }
        if (b == 7) {
          pings.add(pings.get(0)); // a duplicate within the stream
        }
        stream.onNext(batch(pings.toArray(Ping[]::new)));
      }
      stream.onCompleted();
      IngestResponse response = answer.get(60, TimeUnit.SECONDS);
      assertThat(response.getAccepted()).isEqualTo(batches * 25 - 1);
      assertThat(response.getDuplicates()).isEqualTo(1);
      assertThat(response.getErrorsList()).containsExactly(
          PingError.newBuilder().setIndex(25 + 3).setPingId("old").setReason("timestamp_too_old").build());
    }
    assertThat(Servers.walPings(dir)).extracting(Ping::getPingId).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static StreamObserver<IngestResponse> observer(CompletableFuture<IngestResponse> answer) {
    return new StreamObserver<>() {
      private IngestResponse last;

      @Override
      public void onNext(IngestResponse value) {
        last = value;
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        answer.complete(last);
      }
    };
  }

  @Test
  void refusalsHaveTheirStatusAndCodeAndNothingReachesTheLog() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(Servers.strictEnv(dir)))) {
      IngestServiceGrpc.IngestServiceBlockingStub anonymous = stub(server);
      IngestServiceGrpc.IngestServiceBlockingStub fleet = withToken(stub(server), "s3cret");
      PingBatch one = batch(ping("i-1", "x"));
      assertRefused(refusal(() -> anonymous.ingest(one)), Status.Code.UNAUTHENTICATED, "missing_token");
      assertRefused(refusal(() -> withToken(anonymous, "nope").ingest(one)), Status.Code.UNAUTHENTICATED, "unknown_token");
      assertRefused(refusal(() -> withToken(anonymous, "b0und").ingest(batch(ping("i-2", "x")))),
          Status.Code.PERMISSION_DENIED, "instance_not_allowed");
      assertRefused(refusal(() -> fleet.ingest(PingBatch.getDefaultInstance())), Status.Code.INVALID_ARGUMENT, "empty_batch");
      StatusRuntimeException allBad = refusal(() -> fleet.ingest(
          batch(TestPings.ping("i-1", "old").at(Instant.now().minus(Duration.ofDays(31))).build())));
      assertRefused(allBad, Status.Code.INVALID_ARGUMENT, "all_pings_invalid");
      byte[] detail = allBad.getTrailers().get(Metadata.Key.of("pingstack-ingest-response-bin", Metadata.BINARY_BYTE_MARSHALLER));
      assertThat(IngestResponse.parseFrom(detail).getErrors(0).getReason()).isEqualTo("timestamp_too_old");
      assertRefused(refusal(() -> fleet.ingest(batch(ping("i-1", "a"), ping("i-1", "b"), ping("i-1", "c"), ping("i-1", "d")))),
          Status.Code.RESOURCE_EXHAUSTED, "too_many_pings");
      Ping huge = TestPings.ping("i-1", "huge").at(Instant.now()).build().toBuilder().setDeployType("x".repeat(70_000)).build();
      assertThat(refusal(() -> fleet.ingest(batch(huge))).getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(fleet.ingest(one).getAccepted()).isEqualTo(1);
    }
    assertThat(Servers.walPings(dir.resolve("data"))).extracting(Ping::getPingId).containsExactly("x");
  }

  @Test
  void senderOverItsRateLimitIsRefusedWithRetryAfter() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir,
        "PINGSTACK_INGEST_RATE_LIMIT_PINGS_PER_SECOND", "1", "PINGSTACK_INGEST_RATE_LIMIT_BURST", "2")))) {
      assertThat(stub(server).ingest(batch(ping("i-1", "a"), ping("i-1", "b"))).getAccepted()).isEqualTo(2);
      StatusRuntimeException limited = refusal(() -> stub(server).ingest(batch(ping("i-1", "c"))));
      assertRefused(limited, Status.Code.RESOURCE_EXHAUSTED, "rate_limited");
      assertThat(Long.parseLong(limited.getTrailers().get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER)))).isPositive();
    }
  }

  @Test
  void failedSyncIsUnavailableAndHealthSaysNotServing() throws Exception {
    AtomicBoolean broken = new AtomicBoolean();
    FileSync flaky = Servers.syncFailingWhile(broken);
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)), flaky)) {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel(server)).withDeadlineAfter(30, TimeUnit.SECONDS);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThat(stub(server).ingest(batch(ping("i-1", "ok"))).getAccepted()).isEqualTo(1);
      broken.set(true);
      assertRefused(refusal(() -> stub(server).ingest(batch(ping("i-1", "unsynced")))), Status.Code.UNAVAILABLE, "wal_failed");
      java.util.Iterator<HealthCheckResponse> watch = health.withDeadlineAfter(30, TimeUnit.SECONDS).watch(HealthCheckRequest.getDefaultInstance());
      HealthCheckResponse.ServingStatus status = watch.next().getStatus();
      while (status == HealthCheckResponse.ServingStatus.SERVING) {
        status = watch.next().getStatus();
      }
      assertThat(status).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
    }
  }

  @Test
  void reflectionListsTheServices() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel(server))
          .withDeadlineAfter(30, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
              answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      requests.onCompleted();
      assertThat(answer.get(30, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
          .extracting(ServiceResponse::getName)
          .contains("pingstack.v1.IngestService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
    }
  }

  @Test
  void tlsServesGrpcAndHttpOnBothListeners() throws Exception {
    Path cert = Path.of(getClass().getResource("/tls/cert.pem").toURI());
    Path key = Path.of(getClass().getResource("/tls/key.pem").toURI());
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir,
        "PINGSTACK_TLS_CERT_FILE", cert.toString(), "PINGSTACK_TLS_KEY_FILE", key.toString())))) {
      ManagedChannel secure = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
          .sslContext(GrpcSslContexts.forClient().trustManager(cert.toFile()).build()).build();
      channels.add(secure);
      assertThat(IngestServiceGrpc.newBlockingStub(secure).withDeadlineAfter(30, TimeUnit.SECONDS)
          .ingest(batch(ping("i-1", "tls-grpc"))).getAccepted()).isEqualTo(1);
      for (java.net.http.HttpClient.Version version : java.net.http.HttpClient.Version.values()) {
        java.net.http.HttpResponse<String> answer = Tls.client(cert, version).send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + server.httpPort() + "/v1/pings"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(TestPings.jsonBody(ping("i-1", "tls-" + version)))).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.version()).isEqualTo(version);
      }
      ManagedChannel plain = channel(server);
      assertThat(refusal(() -> IngestServiceGrpc.newBlockingStub(plain).withDeadlineAfter(10, TimeUnit.SECONDS)
          .ingest(batch(ping("i-1", "plain")))).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    assertThat(Servers.walPings(dir)).extracting(Ping::getPingId).containsExactly("tls-grpc", "tls-HTTP_1_1", "tls-HTTP_2");
  }
}
