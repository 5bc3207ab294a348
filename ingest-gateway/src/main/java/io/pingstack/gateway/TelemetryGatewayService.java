package io.pingstack.gateway;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.gateway.telemetry.RecordEventsResponse;
import io.pingstack.gateway.telemetry.TelemeteryGatewayServiceGrpc;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * Sourcegraph's Telemetry Gateway, {@code telemetrygateway.v1.TelemeteryGatewayService} (the
 * misspelling is the wire name), so that Sourcegraph instances (5.2.1 and later) export their
 * telemetry events to Pingstack unchanged. Only {@code RecordEvents} is served ({@link TelemetryStream});
 * each event is stored as a ping ({@link TelemetryEvents}) through the same {@link PingIntake} as
 * every other ingest protocol.
 *
 * <p>Register it with {@code addService(service)}: {@link #bindService} adds the interceptor that
 * hands each call its peer's IP address, the key of the sender's rate limit. The
 * generated {@code TelemeteryGatewayServiceImplBase} is not extended because its
 * {@code bindService()} is final.
 *
 * <p>Ingest tokens do not apply: Sourcegraph sends no credential, only an identifier in the first
 * message, and its license key signature cannot be checked here. Pings are written under the
 * anonymous principal. Expose this service only where open telemetry ingest is intended.
 */
final class TelemetryGatewayService implements TelemeteryGatewayServiceGrpc.AsyncService, BindableService {
  private static final Context.Key<String> PEER = Context.key("pingstack.telemetry.peer");

  private final PingIntake intake;

  TelemetryGatewayService(PingIntake intake) {
    this.intake = Objects.requireNonNull(intake, "intake");
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerInterceptors.intercept(TelemeteryGatewayServiceGrpc.bindService(this), new PeerAddress());
  }

  @Override
  public StreamObserver<RecordEventsRequest> recordEvents(StreamObserver<RecordEventsResponse> responses) {
    String peer = PEER.get();
    return new TelemetryStream(intake, (ServerCallStreamObserver<RecordEventsResponse>) responses,
        peer == null ? "unknown" : peer);
  }

  /** The IP address of {@code address} without its port; other addresses (in-process) as they print. */
  static String host(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return String.valueOf(address);
  }

  /** Puts the transport's remote address in the call's context, where {@link #recordEvents} reads it. */
  private static final class PeerAddress implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String peer = host(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }
  }
}
