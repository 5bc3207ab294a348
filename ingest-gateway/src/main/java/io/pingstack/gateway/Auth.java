package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/** Bearer-token authentication for ingest. With no tokens configured, ingest is open. */
final class Auth {
  static final String ANONYMOUS = "anonymous";

  private final List<IngestToken> tokens;

  Auth(List<IngestToken> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  boolean open() {
    return tokens.isEmpty();
  }

  /** The token of the request, or null for open ingest; throws 401 when it is missing or unknown. */
  IngestToken authenticate(String header) {
    if (tokens.isEmpty()) {
      return null;
    }
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiException(HttpResponseStatus.UNAUTHORIZED, "missing_token", "an ingest token is required: Authorization: Bearer <token>");
    }
    byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    IngestToken match = null;
    for (IngestToken token : tokens) {
      // Constant time per comparison, and every token compared: the time taken does not tell which matched.
      if (MessageDigest.isEqual(presented, token.secret().getBytes(StandardCharsets.UTF_8))) {
        match = token;
      }
    }
    if (match == null) {
      throw new ApiException(HttpResponseStatus.UNAUTHORIZED, "unknown_token", "the ingest token is not known");
    }
    return match;
  }
}
