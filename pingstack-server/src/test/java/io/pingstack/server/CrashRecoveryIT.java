package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.model.TestPings;
import io.pingstack.model.proto.Ping;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RELIABILITY.md: kill -9 under load loses no acknowledged ping and stores none twice. */
class CrashRecoveryIT {
  private static final int KILLS = 20;
  private static final int CLIENTS = 4;
  private static final int BATCH = 20;

  @TempDir Path dir;

  @Test
  void killNineUnderConcurrentLoadLosesNoAcknowledgedPing() throws Exception {
    Path data = dir.resolve("data");
    AckedLoad load = new AckedLoad(BATCH, 7, Duration.ZERO);
    Set<String> ledger = load.ledger;
    for (int round = 0; round < KILLS; round++) {
      try (ChildServer server = ChildServer.start(data, dir.resolve("service.log"), "256m")) {
        int ackedBefore = ledger.size();
        int requestsBefore = load.acknowledgedRequests();
        load.start(server.port, CLIENTS);
        assertThat(load.awaitAcknowledged(requestsBefore + CLIENTS * 5, Duration.ofSeconds(60)))
            .as("acknowledgements from incarnation %d", round).isTrue();
        server.kill9();
        load.stop();
        assertThat(ledger.size()).isGreaterThan(ackedBefore);
      }
    }
    List<Ping> stored = Servers.walPings(data);
    Map<String, Integer> copies = new HashMap<>();
    stored.forEach(p -> copies.merge(p.getPingId(), 1, Integer::sum));
    assertThat(copies.keySet()).as("every acknowledged ping is in the WAL").containsAll(ledger);
    assertThat(copies.values()).as("no ping is stored twice").allMatch(n -> n == 1);
    assertThat(ledger.size()).isGreaterThan(KILLS * CLIENTS * 5 * BATCH / 2);
  }

  @Test
  void sigtermUnderLoadAnswersInFlightRequestsSyncsAndExits() throws Exception {
    Path data = dir.resolve("data");
    Set<String> ledger = ConcurrentHashMap.newKeySet();
    AtomicInteger sequence = new AtomicInteger();
    AtomicInteger refusedWhileDraining = new AtomicInteger();
    ChildServer server = ChildServer.start(data, dir.resolve("service.log"), "256m");
    CountDownLatch enoughAcked = new CountDownLatch(CLIENTS * 10);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Thread client = new Thread(() -> {
        while (true) {
          List<Ping> batch = new ArrayList<>();
          for (int i = 0; i < BATCH; i++) {
            batch.add(TestPings.ping("inst-" + (i % 7), "ping-" + sequence.incrementAndGet()).at(Instant.now()).build());
          }
          try {
            HttpResponse<String> r = Servers.post(server.port, "application/x-protobuf", TestPings.protoBody(batch.toArray(Ping[]::new)));
            if (r.statusCode() == 200) {
              batch.forEach(p -> ledger.add(p.getPingId()));
              enoughAcked.countDown();
            } else {
              assertThat(r.body()).contains("shutting_down");
              refusedWhileDraining.incrementAndGet();
            }
          } catch (Exception e) {
            return; // the port is closed: the service is gone
          }
        }
      });
      client.start();
      clients.add(client);
    }
    enoughAcked.await();
    long start = System.nanoTime();
    server.process.destroy(); // SIGTERM
    assertThat(server.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("exits within 30 s").isTrue();
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(30));
    for (Thread client : clients) {
      client.join();
    }
    assertThat(server.logTail()).contains("WAL synced and closed");
    assertThat(Servers.walPings(data)).extracting(Ping::getPingId).containsAll(ledger).doesNotHaveDuplicates();
  }

  @Test
  void compressionBombsAndOversizeBodiesAre413WithinASmallHeap() throws Exception {
    try (ChildServer server = ChildServer.start(dir.resolve("data"), dir.resolve("service.log"), "128m",
        "PINGSTACK_INGEST_MAX_DECOMPRESSED_BYTES", "16MiB", "PINGSTACK_INGEST_MAX_INFLIGHT_BYTES", "48MiB")) {
      // 1 GiB of zeros is ~1 MiB gzipped: inflated without a limit it would not fit the 128 MiB heap.
      java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
      try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(compressed)) {
        byte[] zeros = new byte[1 << 20];
        for (int i = 0; i < 1024; i++) {
          gz.write(zeros);
        }
      }
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> bomb = Servers.post(server.port, "application/json", compressed.toByteArray(), "Content-Encoding", "gzip");
        IngestHttpIT.assertError(bomb, 413, "body_too_large");
        byte[] zstdBomb = com.github.luben.zstd.Zstd.compress(new byte[200 << 20]);
        IngestHttpIT.assertError(Servers.post(server.port, "application/json", zstdBomb, "Content-Encoding", "zstd"), 413, "body_too_large");
        assertThat(IngestHttpIT.rawStatus(server.port, IngestHttpIT.chunkedRequest(20 << 20))).startsWith("HTTP/1.1 413");
      }
      assertThat(Servers.get(server.port, "/healthz").statusCode()).isEqualTo(200);
      assertThat(Servers.post(server.port, "application/json", TestPings.jsonBody(TestPings.ping("i", "after").at(Instant.now()).build()))
          .body()).startsWith("{\"accepted\":1,");
      assertThat(server.process.isAlive()).isTrue();
    }
  }
}
