package io.pingstack.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** Checks that a text is exactly one well-formed JSON object, within the decoder's limits. */
final class JsonObjects {
  private JsonObjects() {}

  static boolean isObject(String text) {
    try (JsonParser p = JsonPings.FACTORY.createParser(text)) {
      return isObject(p);
    } catch (IOException e) {
      return false;
    }
  }

  /** {@link #isObject(String)} of the UTF-8 text {@code utf8[offset, offset + length)}, which must be valid UTF-8. */
  static boolean isObject(byte[] utf8, int offset, int length) {
    try (JsonParser p = JsonPings.FACTORY.createParser(utf8, offset, length)) {
      return isObject(p);
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isObject(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return false;
    }
    p.skipChildren();
    return p.nextToken() == null;
  }
}
