package io.pingstack.load;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A minimal blocking HTTP/1.1 client over one keep-alive socket, for probes that time single
 * requests: the request is written and the answer read on the calling thread, with no thread
 * hand-offs to add to what is measured. Reads {@code Content-Length} and chunked bodies; reconnects
 * when the server closed the connection, and sends a GET again when a kept-alive connection fails
 * before any byte of the answer (the server closed it while idle). Not thread-safe.
 */
final class BlockingHttp implements AutoCloseable {
  /** A whole answer. {@code contentType} is null when the server sent none. */
  record Answer(int status, String contentType, byte[] body) {}

  private static final int MAX_BODY_BYTES = 64 << 20;

  private final InetSocketAddress address;
  private final String hostHeader;
  private final int timeoutMillis;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private boolean answerBegun;

  BlockingHttp(URI base, Duration timeout) {
    this.address = new InetSocketAddress(base.getHost(), Args.port(base));
    this.hostHeader = Args.hostHeader(base);
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  /** Sends a request and reads its answer; {@code body} is null for none. Headers are {@code name: value} lines. */
  Answer exchange(String method, String target, String contentType, byte[] body, String... headers) throws IOException {
    answerBegun = false;
    StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: ").append(hostHeader).append("\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length).append("\r\n");
    }
    byte[] request = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    boolean reused = socket != null;
    if (!reused) {
      connect();
    }
    ByteArrayOutputStream whole = new ByteArrayOutputStream(request.length + (body == null ? 0 : body.length));
    whole.write(request);
    if (body != null) {
      whole.write(body);
    }
    try {
      return send(whole);
    } catch (IOException e) {
      if (!reused || !"GET".equals(method) || answerBegun) {
        throw e;
      }
    }
    connect();
    return send(whole);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Nothing left to release.
      }
      socket = null;
    }
  }

  /** Writes a whole request and reads its answer; closes the connection when either fails. */
  private Answer send(ByteArrayOutputStream request) throws IOException {
    try {
      request.writeTo(out);
      out.flush();
      return read();
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  private void connect() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.setSoTimeout(timeoutMillis);
    s.connect(address, timeoutMillis);
    socket = s;
    in = new BufferedInputStream(s.getInputStream(), 16 << 10);
    out = s.getOutputStream();
  }

  private Answer read() throws IOException {
    answerBegun = false;
    int first = in.read();
    if (first < 0) {
      throw new EOFException("the server closed the connection without answering");
    }
    answerBegun = true;
    String statusLine = (char) first + line();
    if (!statusLine.startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x answer: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    String contentType = null;
    long length = -1;
    boolean chunked = false;
    boolean closeAfter = statusLine.startsWith("HTTP/1.0");
    for (String header = line(); !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      String name = header.substring(0, Math.max(colon, 0)).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      switch (name) {
        case "content-type" -> contentType = value;
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> closeAfter = value.equalsIgnoreCase("close");
        default -> { }
      }
    }
    byte[] body;
    if (chunked) {
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      for (int size = chunkSize(); size > 0; size = chunkSize()) {
        chunks.write(bytes(size));
        line();
      }
      while (!line().isEmpty()) {
        // Trailers are not needed.
      }
      body = chunks.toByteArray();
    } else if (length >= 0) {
      body = bytes(length);
    } else {
      throw new IOException("an answer without Content-Length or chunked encoding is not supported");
    }
    if (closeAfter) {
      close();
    }
    return new Answer(status, contentType, body);
  }

  private int chunkSize() throws IOException {
    String text = line();
    int semicolon = text.indexOf(';');
    return Integer.parseInt((semicolon < 0 ? text : text.substring(0, semicolon)).trim(), 16);
  }

  private byte[] bytes(long count) throws IOException {
    if (count > MAX_BODY_BYTES) {
      throw new IOException("answer body of " + count + " bytes is over " + MAX_BODY_BYTES);
    }
    byte[] b = new byte[(int) count];
    int at = 0;
    while (at < b.length) {
      int n = in.read(b, at, b.length - at);
      if (n < 0) {
        throw new EOFException("connection closed within an answer body");
      }
      at += n;
    }
    return b;
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("connection closed within an answer");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
