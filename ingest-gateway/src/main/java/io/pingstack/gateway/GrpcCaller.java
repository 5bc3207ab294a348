package io.pingstack.gateway;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerTransportFilter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Function;

/**
 * Who is calling: the {@code authorization} metadata and the peer's IP address. Services learn it
 * from the call itself through {@link #handler}, with no {@code Context} to attach around every
 * callback; the address is formatted once per connection by {@link #TRANSPORT_FILTER}.
 */
record GrpcCaller(String authorization, String address) {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final Attributes.Key<String> PEER_ADDRESS = Attributes.Key.create("pingstack-peer-address");

  /** Puts the peer's formatted address in the transport's attributes, which every call of it shares. */
  static final ServerTransportFilter TRANSPORT_FILTER = new ServerTransportFilter() {
    @Override
    public Attributes transportReady(Attributes transport) {
      return transport.toBuilder().set(PEER_ADDRESS, address(transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))).build();
    }
  };

  /** The caller of {@code call}; its address formatted here when no {@link #TRANSPORT_FILTER} did. */
  static GrpcCaller of(ServerCall<?, ?> call, Metadata headers) {
    Attributes attributes = call.getAttributes();
    String address = attributes.get(PEER_ADDRESS);
    return new GrpcCaller(headers.get(AUTHORIZATION),
        address != null ? address : address(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
  }

  /** A handler that starts each call with the handler {@code perCaller} makes for that call's caller. */
  static <Q, R> ServerCallHandler<Q, R> handler(Function<GrpcCaller, ServerCallHandler<Q, R>> perCaller) {
    return (call, headers) -> perCaller.apply(of(call, headers)).startCall(call, headers);
  }

  /** The IP address of {@code remote} without its port; other addresses (in-process) as they print. */
  static String address(SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet) {
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return remote == null ? "unknown" : remote.toString();
  }
}
