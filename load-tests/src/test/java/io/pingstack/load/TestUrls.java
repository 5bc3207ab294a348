package io.pingstack.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;

/** Command lines and URLs the closed-loop tool tests share. */
final class TestUrls {
  private TestUrls() {}

  /** {@code --url url} followed by {@code args}. */
  static String[] withUrl(URI url, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--url";
    all[1] = url.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }

  /** A loopback URL whose port was free a moment ago, so that nothing listens there: connects are refused. */
  static URI refusingConnections() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }
}
