package io.pingstack.gateway;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.pingstack.gateway.telemetry.RecordEventsRequest;
import io.pingstack.gateway.telemetry.RecordEventsResponse;
import io.pingstack.gateway.telemetry.TelemeteryGatewayServiceGrpc;
import java.util.Objects;

/**
 * Sourcegraph's Telemetry Gateway, {@code telemetrygateway.v1.TelemeteryGatewayService} (the
 * misspelling is the wire name), so that Sourcegraph instances (5.2.1 and later) export their
 * telemetry events to Pingstack unchanged. Only {@code RecordEvents} is served ({@link TelemetryStream});
 * each event is stored as a ping ({@link TelemetryEvents}) through the same {@link PingIntake} as
 * every other ingest protocol.
 *
 * <p>The peer's IP address, the key of the sender's rate limit, comes from {@link GrpcCaller}.
 *
 * <p>Ingest tokens do not apply: Sourcegraph sends no credential, only an identifier in the first
 * message, and its license key signature cannot be checked here. Pings are written under the
 * anonymous principal. Expose this service only where open telemetry ingest is intended.
 */
final class TelemetryGatewayService implements BindableService {
  private final PingIntake intake;

  TelemetryGatewayService(PingIntake intake) {
    this.intake = Objects.requireNonNull(intake, "intake");
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(TelemeteryGatewayServiceGrpc.getServiceDescriptor())
        .addMethod(TelemeteryGatewayServiceGrpc.getRecordEventsMethod(), GrpcCaller.handler(caller -> ServerCalls.asyncBidiStreamingCall(
            responses -> recordEvents(responses, caller))))
        .build();
  }

  private StreamObserver<RecordEventsRequest> recordEvents(StreamObserver<RecordEventsResponse> responses, GrpcCaller caller) {
    return new TelemetryStream(intake, (ServerCallStreamObserver<RecordEventsResponse>) responses, caller.address());
  }
}
