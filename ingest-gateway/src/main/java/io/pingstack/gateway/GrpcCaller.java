package io.pingstack.gateway;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Who is calling: the {@code authorization} metadata and the peer's IP address, put in the call's
 * {@link Context} by {@link #INTERCEPTOR} so that services read them the same way.
 */
record GrpcCaller(String authorization, String address) {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<GrpcCaller> KEY = Context.key("pingstack-caller");

  static final ServerInterceptor INTERCEPTOR = new ServerInterceptor() {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      GrpcCaller caller = new GrpcCaller(headers.get(AUTHORIZATION), address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
      return Contexts.interceptCall(Context.current().withValue(KEY, caller), call, headers, next);
    }
  };

  /** The caller of the current call; an anonymous local one outside a call (in-process tests). */
  static GrpcCaller current() {
    GrpcCaller caller = KEY.get();
    return caller != null ? caller : new GrpcCaller(null, "local");
  }

  /** The IP address of {@code remote} without its port; other addresses (in-process) as they print. */
  static String address(SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet) {
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return remote == null ? "unknown" : remote.toString();
  }
}
