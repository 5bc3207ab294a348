package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class BlockingHttpTest {

  @Test
  void chunkedAnswersAreReassembled() throws Exception {
    try (ScriptedServer server = new ScriptedServer(false,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
        BlockingHttp http = new BlockingHttp(server.url(), Duration.ofSeconds(5))) {
      BlockingHttp.Answer answer = http.exchange("GET", "/v1/events", null, null, "Accept: application/json");

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.contentType()).isEqualTo("application/json");
      assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("hello world");
      assertThat(server.requestLines).containsExactly("GET /v1/events HTTP/1.1");
    }
  }

  @Test
  void getOnAConnectionTheServerClosedIsSentAgainOnANewOne() throws Exception {
    try (ScriptedServer server = new ScriptedServer(true, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno");
        BlockingHttp http = new BlockingHttp(server.url(), Duration.ofSeconds(5))) {
      BlockingHttp.Answer first = http.exchange("GET", "/a", null, null);
      BlockingHttp.Answer second = http.exchange("GET", "/b", null, null);

      assertThat(first.status()).isEqualTo(404);
      assertThat(second.status()).isEqualTo(404);
      assertThat(new String(second.body(), StandardCharsets.UTF_8)).isEqualTo("no");
      assertThat(server.requestLines).containsExactly("GET /a HTTP/1.1", "GET /b HTTP/1.1");
      assertThat(server.connections).isEqualTo(2);
    }
  }

  /** Answers every request with {@code answer}; closes each connection after one answer when told to. */
  private static final class ScriptedServer implements AutoCloseable {
    final List<String> requestLines = new CopyOnWriteArrayList<>();
    volatile int connections;
    private final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    private final Thread thread;

    ScriptedServer(boolean closeAfterAnswer, String answer) throws Exception {
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket connection = socket.accept()) {
            connections++;
            BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = connection.getOutputStream();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
              requestLines.add(line);
              while (!in.readLine().isEmpty()) {
                // The request's headers; the requests here have no body.
              }
              out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
              out.flush();
              if (closeAfterAnswer) {
                break;
              }
            }
          } catch (java.io.IOException e) {
            // Closed by the test.
          }
        }
      });
      thread.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws Exception {
      socket.close();
      thread.join(5000);
    }
  }
}
