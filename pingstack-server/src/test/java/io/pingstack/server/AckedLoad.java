package io.pingstack.server;

import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Clients that send protobuf batches of new pings to a service, keep a ledger of every acknowledged
 * ping id, and send again, to the next incarnation, each batch that got no answer (a real client's
 * retry after a kill -9). A client stops when its service stops answering.
 */
final class AckedLoad {
  final Set<String> ledger = ConcurrentHashMap.newKeySet();
  private final int batch;
  private final int instances;
  private final Duration pace;
  private final ConcurrentLinkedQueue<List<Ping>> unacknowledged = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean();
  private final List<Thread> clients = new ArrayList<>();
  private int acknowledgedRequests;
  volatile Exception failure;

  /** {@code pace}: the pause before each request, zero for none. */
  AckedLoad(int batch, int instances, Duration pace) {
    this.batch = batch;
    this.instances = instances;
    this.pace = pace;
  }

  void start(int port, int threads) {
    running.set(true);
    for (int c = 0; c < threads; c++) {
      Thread client = new Thread(() -> send(port));
      client.start();
      clients.add(client);
    }
  }

  private void send(int port) {
    while (running.get()) {
      List<Ping> pings = unacknowledged.poll();
      if (pings == null) {
        pings = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          pings.add(TestPings.ping("inst-" + i % instances, "ping-" + sequence.incrementAndGet()).at(Instant.now()).build());
        }
      }
      if (!pace.isZero()) {
        LockSupport.parkNanos(pace.toNanos());
      }
      try {
        HttpResponse<String> r = Servers.post(port, "application/x-protobuf", TestPings.protoBody(pings.toArray(Ping[]::new)));
        if (r.statusCode() != 200) {
          unacknowledged.add(pings);
          continue;
        }
        pings.forEach(p -> ledger.add(p.getPingId()));
        acknowledged();
      } catch (Exception e) {
        // The service died or stopped answering: keep the batch for its next incarnation.
        unacknowledged.add(pings);
        failure = e;
        return;
      }
    }
  }

  private synchronized void acknowledged() {
    acknowledgedRequests++;
    notifyAll();
  }

  /** Requests acknowledged since this load was made. */
  synchronized int acknowledgedRequests() {
    return acknowledgedRequests;
  }

  /** Waits until {@code requests} requests in all are acknowledged; false after {@code limit}. */
  synchronized boolean awaitAcknowledged(int requests, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    for (long left = limit.toNanos(); acknowledgedRequests < requests && left > 0; left = deadline - System.nanoTime()) {
      wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    return acknowledgedRequests >= requests;
  }

  void stop() throws InterruptedException {
    running.set(false);
    for (Thread client : clients) {
      client.join();
    }
    clients.clear();
  }
}
