package io.pingstack.gateway;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
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
    String service = call.getMethodDescriptor().getServiceName();
    boolean counted = service != null && !service.startsWith("grpc.health.") && !service.startsWith("grpc.reflection.");
    if (counted) {
      inflight.incrementAndGet();
    }
    Tracked<Q, R> tracked = new Tracked<>(call, counted);
    return tracked.listen(next.startCall(tracked, headers));
  }

  /** One call: reported when it closes, and counted until its listener completes or is cancelled. */
  private final class Tracked<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final long start = System.nanoTime();
    private boolean counted; // the call's listener events run one at a time

    Tracked(ServerCall<Q, R> call, boolean counted) {
      super(call);
      this.counted = counted;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      metrics.grpcCall(getMethodDescriptor().getFullMethodName(), status.getCode().name(), System.nanoTime() - start);
      super.close(status, trailers);
    }

    private void finished() {
      if (counted) {
        counted = false;
        ended();
      }
    }

    ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
        @Override
        public void onComplete() {
          finished();
          super.onComplete();
        }

        @Override
        public void onCancel() {
          finished();
          super.onCancel();
        }
      };
    }
  }
}
