package io.pingstack.server;

import static io.pingstack.server.Servers.env;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 rapid reset (CVE-2023-44487) on both listeners: a client that opens streams and resets
 * them at once, thousands of times, is disconnected instead of making the server start work for
 * each. Frames are written by hand so nothing on the client side softens the attack.
 */
class RapidResetIT {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int STREAMS = 5_000;

  @TempDir Path dir;

  /** HTTP/2's error code for a peer that misbehaves (RFC 9113 section 7). */
  private static final int ENHANCE_YOUR_CALM = 0xb;

  @Test
  void bothListenersDisconnectAClientThatResetsEveryStreamItOpens() throws Exception {
    try (PingstackServer server = PingstackServer.start(ServerConfig.load(env(dir)))) {
      assertThat(attack(server.httpPort(), "/v1/pings")).as("GOAWAY error code on the HTTP port").isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(attack(server.grpcPort(), "/pingstack.v1.IngestService/Ingest")).as("GOAWAY error code on the gRPC port")
          .isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(Servers.get(server.httpPort(), "/readyz").statusCode()).as("the service serves on").isEqualTo(200);
    }
  }

  /**
   * Opens and resets up to {@link #STREAMS} streams, then reads what the server sends until its
   * GOAWAY and returns that frame's error code (-1 if it closed without one). A server that lets
   * it all through and keeps the connection open makes the read time out, which fails the test.
   */
  private static int attack(int port, String path) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      ByteArrayOutputStream start = new ByteArrayOutputStream();
      start.write(PREFACE);
      frame(start, 0x4, 0, 0, new byte[0]); // SETTINGS, empty
      out.write(start.toByteArray());
      byte[] headers = headerBlock(path);
      try {
        for (int i = 0; i < STREAMS; i++) {
          ByteArrayOutputStream pair = new ByteArrayOutputStream(64);
          int stream = 2 * i + 1;
          frame(pair, 0x1, 0x4, stream, headers); // HEADERS, END_HEADERS; the body never comes
          frame(pair, 0x3, 0, stream, new byte[] {0, 0, 0, 0x8}); // RST_STREAM, CANCEL
          out.write(pair.toByteArray());
        }
        out.flush();
      } catch (IOException closed) {
        // The server closed the connection under us; its GOAWAY may be waiting to be read.
      }
      DataInputStream in = new DataInputStream(socket.getInputStream());
      try {
        while (true) {
          int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
          int type = in.readUnsignedByte();
          in.skipNBytes(5); // flags, stream id
          byte[] payload = in.readNBytes(length);
          if (type == 0x7 && payload.length >= 8) {
            return ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8) | (payload[7] & 0xff);
          }
        }
      } catch (EOFException | java.net.SocketException closed) {
        return -1;
      }
    }
  }

  /** POST {@code path} over http, HPACK without indexing or Huffman. */
  private static byte[] headerBlock(String path) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0x83); // :method POST (static table 3)
    block.write(0x86); // :scheme http (static table 6)
    literal(block, 4, path); // :path, name from static table 4
    literal(block, 1, "127.0.0.1"); // :authority
    literal(block, 31, "application/grpc"); // content-type
    block.write(0); // te: trailers, a literal name (not in the static table)
    block.write(2);
    block.writeBytes("te".getBytes(StandardCharsets.US_ASCII));
    block.write(8);
    block.writeBytes("trailers".getBytes(StandardCharsets.US_ASCII));
    return block.toByteArray();
  }

  private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    // Literal without indexing, indexed name: a 4-bit prefix integer (RFC 7541 sections 5.1, 6.2.2).
    if (nameIndex < 15) {
      block.write(nameIndex);
    } else {
      block.write(0x0f);
      block.write(nameIndex - 15);
    }
    block.write(bytes.length); // no Huffman, length < 127
    block.write(bytes, 0, bytes.length);
  }

  private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.write(payload, 0, payload.length);
  }
}
