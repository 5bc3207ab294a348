package io.pingstack.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.pingstack.model.proto.IngestResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * A closed-loop HTTP/1.1 load generator for {@code POST /v1/pings}, or for ClickHouse's own insert of
 * the same pings ({@code clickhouse-json}: a 200 acknowledges every ping of its request), on the {@link ClosedLoop}
 * machinery: each of {@code connections} keep-alive connections sends a request, waits for the whole
 * answer and sends the next (no pipelining), on one event loop thread, so the state below needs no
 * locks. With a {@code rate}, the loop is open: requests leave at their intended times instead
 * ({@link Pacer}), still one in flight per connection.
 *
 * <p>Answers are counted by the window they complete in. A 429 or 503 pauses that connection for its
 * {@code Retry-After} (at most one second). Each connection slot survives reconnects, so its ping
 * ids keep counting up.
 *
 * <p>With a {@code total}, no request is sent for more pings than {@code total} minus those
 * acknowledged and those in flight, and the run ends when {@code total} pings are acknowledged:
 * exactly that many, unless an answer was lost with its connection (the server may have accepted
 * those pings without the generator knowing). Connections with nothing left to send wait idle until
 * a failed request gives its pings back.
 */
final class LoadGenerator implements ClosedLoop.Client<LoadResult> {
  private static final int MAX_ANSWER_BYTES = 1 << 20;
  private static final long MAX_RETRY_AFTER_MILLIS = 1000;
  private static final String PROTOBUF = LoadOptions.Format.PROTOBUF.contentType();
  private static final String JSON = LoadOptions.Format.JSON.contentType();
  private static final String JSON_LINES = "application/x-ndjson";
  private static final int MAX_ERROR_TEXT = 300;

  private final LoadOptions options;
  private final String hostHeader;
  private final String path;
  /** True for {@code clickhouse-json}: a 200 acknowledges the whole batch. */
  private final boolean clickhouse;
  private final String contentType;
  /** Each connection's bodies: {@code --format} for {@code http} (maybe gzipped), JSONEachRow rows for {@code clickhouse-json}. */
  private final BodyWriter[] bodies;
  private final Ledger ledger;
  /** Each connection's pings in flight, for the ledger; null without one. */
  private final SentPings[] sent;
  /** Statuses whose first answer was printed (ClickHouse explains its errors in the body). */
  private final Set<Integer> reportedStatuses = new HashSet<>();
  /** Pings of each connection's request in flight; 0 when none is. */
  private final int[] pingsSent;
  private LoadStats stats;
  private long pingsAckedInRun;
  private long pingsInFlight;

  private LoadGenerator(LoadOptions options, Ledger ledger) {
    this.options = options;
    this.hostHeader = Args.hostHeader(options.url());
    this.path = options.path();
    this.clickhouse = options.protocol() == LoadOptions.Protocol.CLICKHOUSE_JSON;
    this.contentType = clickhouse ? JSON_LINES : options.format().contentType();
    this.bodies = bodies(options);
    this.ledger = ledger;
    this.sent = ledger.enabled() ? new SentPings[bodies.length] : null;
    for (int i = 0; sent != null && i < sent.length; i++) {
      sent[i] = bodies[i].recordSent();
    }
    this.pingsSent = new int[options.connections()];
    this.stats = new LoadStats(options.openLoop());
  }

  /**
   * Runs the load described by {@code options} and returns the measured window's figures. An
   * interrupt of the calling thread ends the run early (the interrupt is consumed) and returns the
   * figures measured until then.
   */
  static LoadResult run(LoadOptions options) {
    return run(options, Progress.NONE);
  }

  /** As {@link #run(LoadOptions)}, showing {@code progress}. */
  static LoadResult run(LoadOptions options, Progress progress) {
    try (Ledger ledger = Ledger.open(options.ledger())) {
      LoadGenerator generator = new LoadGenerator(options, ledger);
      return ClosedLoop.run(new ClosedLoop.Settings("load", new InetSocketAddress(options.url().getHost(), options.port()),
          options.connections(), MAX_ANSWER_BYTES, options.warmup(), options.duration(), options.rate(), progress,
          generator::progress), generator);
    }
  }

  private static BodyWriter[] bodies(LoadOptions options) {
    if (options.protocol() == LoadOptions.Protocol.CLICKHOUSE_JSON) {
      return JsonRowBodies.perConnection(options);
    }
    BodyWriter[] plain = options.format() == LoadOptions.Format.PROTOBUF
        ? PingBodies.perConnection(options)
        : JsonPingBodies.perConnection(options);
    return options.gzip() ? GzipBodies.wrap(plain) : plain;
  }

  @Override
  public FullHttpRequest request(int slot, ByteBufAllocator alloc) {
    int pings = options.batch();
    if (options.total() > 0) {
      long left = options.total() - pingsAckedInRun - pingsInFlight;
      if (left <= 0) {
        return null;
      }
      pings = (int) Math.min(pings, left);
    }
    if (sent != null) {
      sent[slot].clear();
    }
    ByteBuf body = alloc.buffer(bodies[slot].maxBodySize(pings));
    bodies[slot].write(body, pings, System.currentTimeMillis());
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, body);
    request.headers()
        .set(HttpHeaderNames.HOST, hostHeader)
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    if (!clickhouse) {
      // Pingstack answers protobuf requests in protobuf when asked, JSON requests in JSON.
      request.headers().set(HttpHeaderNames.ACCEPT, options.format() == LoadOptions.Format.PROTOBUF ? PROTOBUF : JSON);
    }
    if (options.gzip()) {
      request.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
    }
    if (options.token() != null) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token());
    }
    pingsSent[slot] = pings;
    pingsInFlight += pings;
    return request;
  }

  @Override
  public Duration answered(int slot, FullHttpResponse answer, long latencyNanos, long serviceNanos) {
    int pings = pingsSent[slot];
    landed(slot);
    if (answer.status().code() != 200) {
      stats.error(Integer.toString(answer.status().code()));
      if (clickhouse && reportedStatuses.add(answer.status().code())) {
        String text = answer.content().toString(StandardCharsets.UTF_8).strip();
        System.err.println("load: first " + answer.status().code() + " answer from ClickHouse: "
            + (text.length() > MAX_ERROR_TEXT ? text.substring(0, MAX_ERROR_TEXT) + "…" : text));
      }
      return Duration.ofMillis(retryAfterMillis(answer));
    }
    if (clickhouse) {
      // ClickHouse answers an INSERT after its rows are written, with an empty body: all or nothing.
      IngestResponse all = IngestResponse.newBuilder().setAccepted(pings).build();
      stats.acknowledged(latencyNanos, serviceNanos, all);
      pingsAckedInRun += pings;
      if (sent != null) {
        ledger.acknowledged(sent[slot], all);
      }
      return Duration.ZERO;
    }
    try {
      IngestResponse counts = Answers.parse(answer.headers().get(HttpHeaderNames.CONTENT_TYPE), answer.content());
      stats.acknowledged(latencyNanos, serviceNanos, counts);
      pingsAckedInRun += Integer.toUnsignedLong(counts.getAccepted());
      if (sent != null) {
        ledger.acknowledged(sent[slot], counts);
      }
    } catch (IOException e) {
      stats.error("bad_response");
    }
    return Duration.ZERO;
  }

  @Override
  public void connectFailed(int slot) {
    stats.error("connect");
  }

  @Override
  public void closed(int slot, boolean requestLost) {
    landed(slot);
    stats.error("closed");
  }

  @Override
  public boolean finished() {
    return options.total() > 0 && pingsAckedInRun >= options.total();
  }

  @Override
  public void startWindow() {
    stats = new LoadStats(options.openLoop());
  }

  /** The figures of the progress line; on the loop thread. */
  private Progress.Figures progress(boolean measuring) {
    return stats.progress(measuring, pingsAckedInRun);
  }

  @Override
  public LoadResult result(ClosedLoop.Window window) {
    ledger.end();
    return stats.result(options, window, pingsAckedInRun, ledger);
  }

  /** The request of {@code slot}, if any, is over: its pings are no longer reserved. */
  private void landed(int slot) {
    pingsInFlight -= pingsSent[slot];
    pingsSent[slot] = 0;
  }

  private static long retryAfterMillis(FullHttpResponse answer) {
    String retryAfter = answer.headers().get(HttpHeaderNames.RETRY_AFTER);
    if (retryAfter == null) {
      return 0;
    }
    try {
      return Math.min(MAX_RETRY_AFTER_MILLIS, Math.max(0, Long.parseLong(retryAfter.trim()) * 1000));
    } catch (NumberFormatException e) {
      return MAX_RETRY_AFTER_MILLIS;
    }
  }
}
