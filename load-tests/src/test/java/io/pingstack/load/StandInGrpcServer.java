package io.pingstack.load;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for the gRPC ingest listener on a loopback port, over grpc-java's Netty transport:
 * serves {@code pingstack.v1.IngestService}'s {@code Ingest} and {@code IngestStream}, declared here
 * from the proto's names rather than from the generator's {@link GrpcIngestMethods}, and decodes
 * every request as a {@code PingBatch}. Each batch gets what its {@link Policy} decides; a stream
 * answers the sum of its batches' counts after the client half-closes, or fails at its first failed
 * batch. It tallies the pings received, their distinct ids and the pings acknowledged in the
 * responses it sent. Started {@link #holdingStreams holding streams}, it takes the first batch of
 * each stream, then asks for no more and never answers, as a server that stopped reading.
 */
final class StandInGrpcServer implements AutoCloseable {
  /** The outcome of one batch of call {@code call} (counted from 1): its counts, or a status that fails the call. */
  interface Policy {
    Outcome answer(long call, PingBatch batch);
  }

  /** {@code delay}: a unary call's answer is sent that long after its request arrived. */
  record Outcome(IngestResponse counts, Status failure, Duration delay) {
    Outcome(IngestResponse counts, Status failure) {
      this(counts, failure, Duration.ZERO);
    }

    /** This outcome, answered {@code delay} after the request arrived (unary calls). */
    Outcome after(Duration delay) {
      return new Outcome(counts, failure, delay);
    }

    static Outcome acceptAll(PingBatch batch) {
      return new Outcome(IngestResponse.newBuilder().setAccepted(batch.getPingsCount()).build(), null);
    }

    static Outcome fail(Status failure) {
      return new Outcome(null, failure);
    }
  }

  private static final MethodDescriptor<PingBatch, IngestResponse> INGEST = method(MethodType.UNARY, "Ingest");
  private static final MethodDescriptor<PingBatch, IngestResponse> INGEST_STREAM =
      method(MethodType.CLIENT_STREAMING, "IngestStream");

  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Policy policy;
  private final boolean holdStreams;
  private final Server server;
  private final AtomicLong calls = new AtomicLong();
  /** Guards the tallies below, so that they are read as one. */
  private final Object tally = new Object();
  private long pings;
  private final Set<String> pingIds = new HashSet<>();
  private long acknowledged;
  /** {@code <instance_id>\t<ping_id>} of every ping an OK response acknowledged (not listed in its errors). */
  private final Set<String> acknowledgedIds = new HashSet<>();
  private int mostBatchesInACall;

  private StandInGrpcServer(Policy policy, boolean holdStreams, int port) {
    this.policy = policy;
    this.holdStreams = holdStreams;
    ServerServiceDefinition service = ServerServiceDefinition.builder("pingstack.v1.IngestService")
        .addMethod(INGEST, ServerCalls.asyncUnaryCall(this::ingest))
        .addMethod(INGEST_STREAM, ServerCalls.asyncClientStreamingCall(this::ingestStream))
        .build();
    try {
      this.server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
          .bossEventLoopGroup(group)
          .workerEventLoopGroup(group)
          .channelType(NioServerSocketChannel.class)
          .directExecutor()
          .addService(service)
          .build()
          .start();
    } catch (IOException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
      throw new UncheckedIOException("cannot start the stand-in gRPC server", e);
    }
  }

  static StandInGrpcServer start(Policy policy) {
    return new StandInGrpcServer(policy, false, 0);
  }

  /** Accepts every ping on {@code port} (0: a free one). */
  static StandInGrpcServer acceptingAll(int port) {
    return new StandInGrpcServer((call, batch) -> Outcome.acceptAll(batch), false, port);
  }

  /** Streams take one batch, then stop reading and never answer. */
  static StandInGrpcServer holdingStreams() {
    return new StandInGrpcServer((call, batch) -> Outcome.acceptAll(batch), true, 0);
  }

  /** The listener as the generator's {@code --url} takes it. */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.getPort());
  }

  long calls() {
    return calls.get();
  }

  long pings() {
    synchronized (tally) {
      return pings;
    }
  }

  /** Pings received and the distinct ping ids among them, read together. */
  long[] pingsAndDistinctIds() {
    synchronized (tally) {
      return new long[] {pings, pingIds.size()};
    }
  }

  /** The sum of {@code accepted} over every response sent. */
  long acknowledged() {
    synchronized (tally) {
      return acknowledged;
    }
  }

  /** {@code <instance_id>\t<ping_id>} of every ping an OK response acknowledged, as a ledger writes them. */
  Set<String> acknowledgedIds() {
    synchronized (tally) {
      return Set.copyOf(acknowledgedIds);
    }
  }

  int mostBatchesInACall() {
    synchronized (tally) {
      return mostBatchesInACall;
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      boolean unused = server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  private void ingest(PingBatch batch, StreamObserver<IngestResponse> response) {
    Outcome outcome = received(calls.incrementAndGet(), batch, 1);
    if (outcome.failure() != null) {
      response.onError(outcome.failure().asRuntimeException());
    } else if (outcome.delay().isZero()) {
      answer(response, batch.getPingsList(), outcome.counts());
    } else {
      // The calls run on the group's one thread (direct executor), and so does this answer.
      ScheduledFuture<?> unused = group.schedule(() -> answer(response, batch.getPingsList(), outcome.counts()),
          outcome.delay().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private StreamObserver<PingBatch> ingestStream(StreamObserver<IngestResponse> response) {
    long call = calls.incrementAndGet();
    if (holdStreams) {
      ((ServerCallStreamObserver<IngestResponse>) response).disableAutoRequest();
      ((ServerCallStreamObserver<IngestResponse>) response).request(1);
    }
    return new StreamObserver<>() {
      private final IngestResponse.Builder sum = IngestResponse.newBuilder();
      private final List<Ping> pings = new ArrayList<>();
      private int batches;
      private boolean failed;

      @Override
      public void onNext(PingBatch batch) {
        if (failed) {
          return;
        }
        Outcome outcome = received(call, batch, ++batches);
        if (outcome.failure() != null) {
          failed = true;
          response.onError(outcome.failure().asRuntimeException());
          return;
        }
        pings.addAll(batch.getPingsList());
        sum.setAccepted(sum.getAccepted() + outcome.counts().getAccepted())
            .setDuplicates(sum.getDuplicates() + outcome.counts().getDuplicates())
            .setRejected(sum.getRejected() + outcome.counts().getRejected());
      }

      @Override
      public void onError(Throwable t) {
        failed = true;
      }

      @Override
      public void onCompleted() {
        if (!failed && !holdStreams) {
          answer(response, pings, sum.build());
        }
      }
    };
  }

  private Outcome received(long call, PingBatch batch, int batchInCall) {
    synchronized (tally) {
      pings += batch.getPingsCount();
      for (Ping ping : batch.getPingsList()) {
        pingIds.add(ping.getPingId());
      }
      mostBatchesInACall = Math.max(mostBatchesInACall, batchInCall);
    }
    return policy.answer(call, batch);
  }

  private void answer(StreamObserver<IngestResponse> response, List<Ping> pings, IngestResponse counts) {
    synchronized (tally) {
      acknowledged += counts.getAccepted();
      StandInIngestServer.acknowledge(acknowledgedIds, pings, counts);
    }
    response.onNext(counts);
    response.onCompleted();
  }

  private static MethodDescriptor<PingBatch, IngestResponse> method(MethodType type, String name) {
    return MethodDescriptor.<PingBatch, IngestResponse>newBuilder()
        .setType(type)
        .setFullMethodName("pingstack.v1.IngestService/" + name)
        .setRequestMarshaller(ProtoUtils.marshaller(PingBatch.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(IngestResponse.getDefaultInstance()))
        .build();
  }
}
