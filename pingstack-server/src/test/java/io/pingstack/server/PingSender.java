package io.pingstack.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pingstack.model.TestPings;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingError;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends a {@link PingMix} stream in fixed batches from a few concurrent senders, alternating JSON
 * and protobuf, the way a careful client does: a batch without a {@code 200} (refused or reset
 * connection, timeout, {@code 429}/{@code 503}) is sent again, to wherever {@link #moveTo(int)} last
 * pointed, until it gets one. Each {@code 200} is checked and written to the ledger: which valid
 * pings are acknowledged (accepted or duplicate: stored either way), and that exactly the invalid
 * ones were refused, each for its reason. Anything unexpected is kept in {@link #problems()}.
 */
final class PingSender {
  private static final JsonFactory JSON = new JsonFactory();
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

  private final PingMix mix;
  private final int[] stream;
  private final int batchSize;
  private final int batches;
  private final long deadlineNanos;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private final AtomicInteger nextBatch = new AtomicInteger();
  private final BitSet acknowledged;
  private final Queue<String> problems = new ConcurrentLinkedQueue<>();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final List<Thread> senders = new ArrayList<>();
  private int port;
  private int batchesDone;

  PingSender(PingMix mix, int batchSize, int port, Duration timeLimit) {
    this.mix = requireNonNull(mix, "mix");
    this.stream = mix.stream();
    this.batchSize = batchSize;
    this.batches = (stream.length + batchSize - 1) / batchSize;
    this.acknowledged = new BitSet(mix.unique());
    this.port = port;
    this.deadlineNanos = System.nanoTime() + timeLimit.toNanos();
  }

  int batches() {
    return batches;
  }

  /** Starts {@code count} sender threads; each takes the next unsent batch until none is left. */
  void start(int count) {
    for (int s = 0; s < count; s++) {
      Thread sender = new Thread(this::sendAll, "ping-sender-" + s);
      sender.setDaemon(true);
      sender.start();
      senders.add(sender);
    }
  }

  /** Points the senders at a restarted service; those waiting to retry go at once. */
  synchronized void moveTo(int newPort) {
    port = newPort;
    notifyAll();
  }

  /** Waits until {@code count} batches are acknowledged; false if the time limit passes first. */
  synchronized boolean awaitBatches(int count) throws InterruptedException {
    while (batchesDone < count) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Waits for every sender to finish (all batches acknowledged, or the time limit passed). */
  void join() throws InterruptedException {
    for (Thread sender : senders) {
      sender.join();
    }
  }

  /** The valid pings (by index in the mix) some {@code 200} acknowledged. */
  synchronized BitSet acknowledged() {
    return (BitSet) acknowledged.clone();
  }

  Queue<String> problems() {
    return problems;
  }

  long attempts() {
    return attempts.get();
  }

  long accepted() {
    return accepted.get();
  }

  long duplicates() {
    return duplicates.get();
  }

  long rejected() {
    return rejected.get();
  }

  private void sendAll() {
    for (int b = nextBatch.getAndIncrement(); b < batches; b = nextBatch.getAndIncrement()) {
      if (!sendUntilAcknowledged(b)) {
        return;
      }
    }
  }

  private boolean sendUntilAcknowledged(int batch) {
    int from = batch * batchSize;
    int to = Math.min(stream.length, from + batchSize);
    Ping[] pings = new Ping[to - from];
    for (int k = from; k < to; k++) {
      pings[k - from] = stream[k] >= 0 ? mix.valid(stream[k]) : mix.invalid(-stream[k] - 1);
    }
    boolean protobuf = batch % 2 == 1;
    byte[] body = protobuf ? TestPings.protoBody(pings) : jsonBody(pings);
    while (System.nanoTime() < deadlineNanos) {
      int target = currentPort();
      attempts.incrementAndGet();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target + "/v1/pings"))
          .timeout(Duration.ofSeconds(20))
          .header("Content-Type", protobuf ? "application/x-protobuf" : "application/json")
          .header("Accept", protobuf ? "application/x-protobuf" : "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      HttpResponse<byte[]> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        awaitMoveFrom(target, MAX_BACKOFF); // killed, restarting: retry once it is back
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      int status = response.statusCode();
      if (status == 200) {
        return record(batch, from, protobuf, response.body());
      }
      if (status == 429 || status == 503) {
        long retryAfter = response.headers().firstValueAsLong("Retry-After").orElse(1);
        awaitMoveFrom(target, Duration.ofSeconds(retryAfter).compareTo(MAX_BACKOFF) < 0 ? Duration.ofSeconds(retryAfter) : MAX_BACKOFF);
        continue;
      }
      problems.add("batch " + batch + ": status " + status + ": " + new String(response.body(), StandardCharsets.UTF_8));
      return false;
    }
    problems.add("batch " + batch + " was not acknowledged within the time limit");
    return false;
  }

  private boolean record(int batch, int from, boolean protobuf, byte[] body) {
    IngestResponse response;
    try {
      response = protobuf ? IngestResponse.parseFrom(body) : parseJson(body);
    } catch (IOException e) {
      problems.add("batch " + batch + ": unreadable 200 body: " + e.getMessage());
      return false;
    }
    int size = Math.min(stream.length, from + batchSize) - from;
    BitSet refused = new BitSet(size);
    for (PingError error : response.getErrorsList()) {
      int k = from + error.getIndex();
      if (error.getIndex() >= size || stream[k] >= 0) {
        problems.add("batch " + batch + ": valid ping at index " + error.getIndex() + " refused: " + error.getReason());
        continue;
      }
      int invalid = -stream[k] - 1;
      String expected = PingMix.invalidReason(invalid).code();
      if (!error.getReason().equals(expected) || !error.getPingId().equals("bad-" + invalid)) {
        problems.add("batch " + batch + ": invalid ping bad-" + invalid + " refused as " + error.getPingId() + "/" + error.getReason()
            + ", expected " + expected);
      }
      refused.set(error.getIndex());
    }
    int validInBatch = 0;
    synchronized (this) {
      for (int k = from; k < from + size; k++) {
        if (stream[k] >= 0) {
          validInBatch++;
          acknowledged.set(stream[k]);
        } else if (!refused.get(k - from)) {
          problems.add("batch " + batch + ": invalid ping bad-" + (-stream[k] - 1) + " was not refused");
        }
      }
      batchesDone++;
      notifyAll();
    }
    if (response.getAccepted() + response.getDuplicates() != validInBatch || response.getRejected() != size - validInBatch) {
      problems.add("batch " + batch + ": " + response.getAccepted() + " accepted + " + response.getDuplicates() + " duplicates, "
          + response.getRejected() + " rejected; expected " + validInBatch + " acknowledged, " + (size - validInBatch) + " rejected");
    }
    accepted.addAndGet(response.getAccepted());
    duplicates.addAndGet(response.getDuplicates());
    rejected.addAndGet(response.getRejected());
    return true;
  }

  private synchronized int currentPort() {
    return port;
  }

  private synchronized void awaitMoveFrom(int oldPort, Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    try {
      while (port == oldPort && System.nanoTime() < deadline) {
        TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * An {@code application/json} body as {@link TestPings#jsonBody} writes it (payload inlined, metrics
   * as Java renders doubles, which round-trips exactly), many times faster: a million pings are sent.
   */
  static byte[] jsonBody(Ping... pings) {
    StringBuilder json = new StringBuilder(pings.length * 320).append("{\"pings\":[");
    for (int i = 0; i < pings.length; i++) {
      Ping ping = pings[i];
      json.append(i == 0 ? "{" : ",{");
      string(json.append("\"ping_id\":"), ping.getPingId());
      string(json.append(",\"instance_id\":"), ping.getInstanceId());
      string(json.append(",\"timestamp\":"), Instant.ofEpochSecond(ping.getTimestamp().getSeconds(), ping.getTimestamp().getNanos()).toString());
      string(json.append(",\"event\":"), ping.getEvent());
      string(json.append(",\"version\":"), ping.getVersion());
      string(json.append(",\"deploy_type\":"), ping.getDeployType());
      json.append(",\"metrics\":{");
      String separator = "";
      for (Map.Entry<String, Double> metric : ping.getMetricsMap().entrySet()) {
        string(json.append(separator), metric.getKey()).append(':').append(metric.getValue().doubleValue());
        separator = ",";
      }
      json.append("},\"dimensions\":{");
      separator = "";
      for (Map.Entry<String, String> dimension : ping.getDimensionsMap().entrySet()) {
        string(string(json.append(separator), dimension.getKey()).append(':'), dimension.getValue());
        separator = ",";
      }
      json.append('}');
      if (!ping.getPayload().isEmpty()) {
        json.append(",\"payload\":").append(ping.getPayload());
      }
      json.append('}');
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static StringBuilder string(StringBuilder json, String value) {
    json.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        json.append('\\').append(c);
      } else if (c < 0x20) {
        json.append(String.format("\\u%04x", (int) c));
      } else {
        json.append(c);
      }
    }
    return json.append('"');
  }

  /** The JSON ingest answer as the same message the protobuf answer is. */
  static IngestResponse parseJson(byte[] body) throws IOException {
    IngestResponse.Builder response = IngestResponse.newBuilder();
    try (JsonParser p = JSON.createParser(body)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "accepted" -> response.setAccepted(p.getIntValue());
          case "duplicates" -> response.setDuplicates(p.getIntValue());
          case "rejected" -> response.setRejected(p.getIntValue());
          case "errors" -> {
            expect(value, JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              PingError.Builder error = response.addErrorsBuilder();
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                  case "index" -> error.setIndex(p.getIntValue());
                  case "ping_id" -> error.setPingId(p.getText());
                  case "reason" -> error.setReason(p.getText());
                  default -> p.skipChildren();
                }
              }
            }
          }
          default -> p.skipChildren();
        }
      }
    }
    return response.build();
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + " but found " + actual);
    }
  }
}
