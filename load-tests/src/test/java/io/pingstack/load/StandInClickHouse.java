package io.pingstack.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A stand-in for ClickHouse's HTTP interface on a loopback port: takes {@code POST /?query=...}
 * with JSONEachRow rows in the body, as the {@code clickhouse-json} protocol sends them, remembers
 * the queries and every row's {@code ping_id}, and answers 200 with an empty body, or a 500 with
 * ClickHouse's kind of error text for the requests {@code refuse} picks (numbered from 1); rows of a
 * refused request are not kept. Handles one request at a time.
 */
final class StandInClickHouse implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpServer server;
  private final IntPredicate refuse;
  private final Set<String> queries = new HashSet<>();
  private final Set<String> pingIds = new HashSet<>();
  private long rows;
  private int requests;

  private StandInClickHouse(IntPredicate refuse) throws IOException {
    this.refuse = refuse;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  static StandInClickHouse start(IntPredicate refuse) throws IOException {
    return new StandInClickHouse(refuse);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  synchronized Set<String> queries() {
    return Set.copyOf(queries);
  }

  /** Rows stored (of requests answered 200) and the distinct ping ids among them. */
  synchronized long[] rowsAndDistinctIds() {
    return new long[] {rows, pingIds.size()};
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    byte[] answer = new byte[0];
    int status = 200;
    synchronized (this) {
      queries.add(exchange.getRequestURI().getQuery());
      if (refuse.test(++requests)) {
        status = 500;
        answer = "Code: 252, e.displayText() = DB::Exception: Too many parts (300).\n".getBytes(StandardCharsets.UTF_8);
      } else {
        for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
          JsonNode row = MAPPER.readTree(line);
          pingIds.add(row.get("ping_id").asText());
          rows++;
        }
      }
    }
    exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
