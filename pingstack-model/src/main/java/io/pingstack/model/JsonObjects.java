package io.pingstack.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** Checks that a text is exactly one well-formed JSON object, within the decoder's limits. */
final class JsonObjects {
  private JsonObjects() {}

  static boolean isObject(String text) {
    try (JsonParser p = JsonPings.FACTORY.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
