package io.pingstack.gateway;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reports every gRPC call when it closes (method, status code, duration), and counts the calls in
 * progress that a drain must wait for: every call but the health and reflection ones, whose watch
 * streams never end on their own.
 */
final class GrpcCalls implements ServerInterceptor {
  private final GatewayMetrics metrics;
  private final AtomicInteger inflight = new AtomicInteger();

  GrpcCalls(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  /** Calls in progress that carry pings. */
  int inflight() {
    return inflight.get();
  }

  /** Waits until no call that carries pings is in progress, or {@code nanos} passed; true if none is. */
  synchronized boolean awaitIdle(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    for (long left = nanos; inflight.get() > 0 && left > 0; left = deadline - System.nanoTime()) {
      wait(Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
    }
    return inflight.get() == 0;
  }

  private synchronized void ended() {
    if (inflight.decrementAndGet() == 0) {
      notifyAll();
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    String service = call.getMethodDescriptor().getServiceName();
    boolean counted = service != null && !service.startsWith("grpc.health.") && !service.startsWith("grpc.reflection.");
    AtomicBoolean done = new AtomicBoolean(!counted);
    if (counted) {
      inflight.incrementAndGet();
    }
    Runnable finished = () -> {
      if (done.compareAndSet(false, true)) {
        ended();
      }
    };
    ServerCall.Listener<Q> listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        metrics.grpcCall(method, status.getCode().name(), System.nanoTime() - start);
        super.close(status, trailers);
      }
    }, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        finished.run();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        finished.run();
        super.onCancel();
      }
    };
  }
}
