package io.pingstack.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Sourcegraph update-check fixtures, copied into the test resources from the shared
 * {@code sourcegraph/fixtures}, and the little JSON reading the assertions need.
 */
final class SourcegraphFixtures {
  static final String DEFAULT = "01-ping-request-handler-test-default.json";
  static final String APP = "02-ping-request-app-limited.json";
  static final String CODE_INTEL = "04-ping-request-legacy-code-intel-usage.json";
  static final String OWN_USAGE = "05-ping-request-own-usage.json";
  static final String LEGACY_GET = "06-ping-request-legacy-get-query.json";
  private static final JsonFactory JSON = new JsonFactory();

  private SourcegraphFixtures() {}

  static byte[] bytes(String fixture) {
    try (InputStream in = SourcegraphFixtures.class.getResourceAsStream("/sourcegraph/" + fixture)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + fixture);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Fixture 06, the legacy GET, as the gateway's router hands its query over. */
  static UpdateCheck legacyGet() {
    return UpdateCheck.fromQuery(new QueryStringDecoder(legacyUrl()).parameters());
  }

  /** The path and query string of fixture 06. */
  static String legacyUrl() {
    try (JsonParser p = JSON.createParser(bytes(LEGACY_GET))) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME && "url".equals(p.currentName())) {
          return p.nextTextValue();
        }
      }
      throw new IllegalStateException("fixture " + LEGACY_GET + " has no url");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Top-level member {@code name} of {@code json} as compact JSON, or null when absent. */
  static String member(String json, String name) {
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals(name)) {
          return compact(p);
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The top-level keys of {@code json}, in order. */
  static List<String> keys(String json) {
    List<String> keys = new ArrayList<>();
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        keys.add(p.currentName());
        p.nextToken();
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return keys;
  }

  private static String compact(JsonParser p) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return out.toString();
  }
}
