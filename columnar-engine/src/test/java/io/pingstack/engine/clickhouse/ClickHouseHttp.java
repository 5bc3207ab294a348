package io.pingstack.engine.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;

/**
 * Plain HTTP to one server port: no compression (Debian's 18.16 answers {@code compress=1} with an
 * empty body), SQL in the POST body, {@code wait_end_of_query=1} so that an error anywhere in the
 * result is a non-200 rather than a 200 with a cut body.
 */
final class ClickHouseHttp {
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
  private static final String DISPLAY_NAME_HEADER = "X-ClickHouse-Server-Display-Name";

  private final String url;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PROBE_TIMEOUT).build();

  ClickHouseHttp(int port) {
    this.url = "http://127.0.0.1:" + port;
  }

  String url() {
    return url;
  }

  /** True when /ping answers {@code Ok.}; false while nothing (or nothing healthy) listens. */
  boolean answersPing() {
    try {
      HttpRequest ping = HttpRequest.newBuilder(URI.create(url + "/ping")).timeout(PROBE_TIMEOUT).build();
      HttpResponse<String> r = client.send(ping, HttpResponse.BodyHandlers.ofString(UTF_8));
      return r.statusCode() == 200 && r.body().trim().equals("Ok.");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** True when the server on this port has {@code display_name}: /ping does not say whose server answers. */
  boolean servedBy(String displayName) {
    try {
      HttpRequest select = post("SELECT 1", null).timeout(PROBE_TIMEOUT).build();
      HttpResponse<Void> r = client.send(select, HttpResponse.BodyHandlers.discarding());
      return r.headers().firstValue(DISPLAY_NAME_HEADER).filter(displayName::equals).isPresent();
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The response body; throws with the server's error text unless 200. {@code user} null: user default. */
  String query(String sql, String user, String password) {
    requireNonNull(sql, "sql");
    String authorization = user == null ? null
        : "Basic " + Base64.getEncoder().encodeToString((user + ":" + requireNonNull(password, "password")).getBytes(UTF_8));
    try {
      HttpResponse<String> r = client.send(post(sql, authorization).timeout(QUERY_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
      if (r.statusCode() != 200) {
        throw new IllegalStateException("ClickHouse on " + url + " answered " + r.statusCode() + " to «" + sql + "»: " + r.body().trim());
      }
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot send «" + sql + "» to ClickHouse on " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending «" + sql + "» to ClickHouse on " + url, e);
    }
  }

  private HttpRequest.Builder post(String sql, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/?wait_end_of_query=1")).POST(HttpRequest.BodyPublishers.ofString(sql, UTF_8));
    return authorization == null ? b : b.header("Authorization", authorization);
  }
}
