package io.pingstack.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.model.JsonPings;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Sourcegraph update-check request as the top-level members of its JSON document, in order, each
 * value kept as compact JSON (nested values whole, numbers exact). Read from a body (every method but
 * GET) or from the legacy GET query string.
 *
 * <p>A body is refused as Sourcegraph's server refuses it (400 {@code malformed_body}): not one JSON
 * object, or a field the server declares holding another JSON type ({@code site} a number,
 * {@code signup} a string, {@code auth} not an array of strings). {@code null} is the field's zero
 * value, as in Go. Number ranges are not checked, and unknown fields may hold anything. Unlike Go, a
 * duplicate key anywhere is refused: the stored payload must be unambiguous, and Go never writes one.
 *
 * <p>The query string is read as Sourcegraph's server reads it, never refused: empty parameters are
 * absent, only the first value of a repeated one counts, {@code auth} and {@code extsvcs} become
 * arrays, the booleans and counters become JSON booleans and numbers when they parse as Go parses
 * them ({@code strconv.ParseBool}, 32-bit {@code ParseInt}) and stay strings otherwise, {@code act}
 * is its JSON when it is JSON and a string otherwise, and every other parameter is a string.
 */
final class UpdateCheck {
  /** The ingest JSON reader: a document read here is within the ping payload's limits. */
  static final JsonFactory JSON = JsonPings.FACTORY;

  static final Set<String> STRINGS = Set.of("site", "version", "deployType", "os", "LicenseKey", "initAdmin");
  static final Set<String> LISTS = Set.of("auth", "extsvcs");
  static final Set<String> FLAGS = Set.of(
      "signup", "accessRequestEnabled", "hasExtURL", "repos", "searched", "refs", "activeToday", "hasCodyEnabled", "tosAccepted");
  static final Set<String> COUNTERS = Set.of("u", "totalUsers", "totalOrgs", "totalRepos");

  /**
   * One top-level member. {@code kind} is the JSON type of its value (the first token);
   * {@code text} the value of a string, number or boolean, else null; {@code items} the strings of
   * an array of strings, else empty; {@code json} the value as compact JSON.
   */
  record Member(String name, JsonToken kind, String text, List<String> items, String json) {
    Member {
      items = List.copyOf(items);
    }
  }

  private final Map<String, Member> members;

  private UpdateCheck(Map<String, Member> members) {
    this.members = members;
  }

  Collection<Member> members() {
    return Collections.unmodifiableCollection(members.values());
  }

  /** The text of string member {@code name}; empty when absent, null or not a string. */
  String string(String name) {
    Member m = members.get(name);
    return m != null && m.kind() == JsonToken.VALUE_STRING ? m.text() : "";
  }

  /** The items of string-array member {@code name}; empty when absent. */
  List<String> strings(String name) {
    Member m = members.get(name);
    return m == null ? List.of() : m.items();
  }

  static UpdateCheck fromBody(byte[] body) {
    Map<String, Member> members = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw malformed("the body must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken kind = p.nextToken();
        String text = kind.isScalarValue() && kind != JsonToken.VALUE_NULL ? p.getText() : null;
        String json = copy(p);
        List<String> items = LISTS.contains(name) && kind == JsonToken.START_ARRAY ? stringItems(json) : List.of();
        if (!declaredType(name, kind) || items == null) {
          // Only a declared field can be of the wrong type: its name is ours, not the client's.
          throw malformed("field " + name + " does not have the type Sourcegraph declares for it");
        }
        members.put(name, new Member(name, kind, text, items, json));
      }
      if (p.nextToken() != null) {
        throw malformed("unexpected content after the JSON object");
      }
    } catch (IOException e) {
      JsonLocation at = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getLocation() : null;
      throw malformed("the body is not valid JSON"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    }
    return new UpdateCheck(members);
  }

  private static boolean declaredType(String name, JsonToken kind) {
    if (kind == JsonToken.VALUE_NULL) {
      return true;
    }
    if (STRINGS.contains(name)) {
      return kind == JsonToken.VALUE_STRING;
    }
    if (LISTS.contains(name)) {
      return kind == JsonToken.START_ARRAY;
    }
    if (FLAGS.contains(name)) {
      return kind.isBoolean();
    }
    return !COUNTERS.contains(name) || kind.isNumeric();
  }

  /** The strings of a JSON array, or null when an item is not a string. */
  private static List<String> stringItems(String array) throws IOException {
    List<String> items = new ArrayList<>();
    try (JsonParser p = JSON.createParser(array)) {
      p.nextToken();
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (t != JsonToken.VALUE_STRING) {
          return null;
        }
        items.add(p.getText());
      }
    }
    return items;
  }

  /** The value the parser is on, whole, as compact JSON; the parser is left on its last token. */
  private static String copy(JsonParser p) throws IOException {
    StringWriter out = new StringWriter(64);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.copyCurrentStructureExact(p);
    }
    return out.toString();
  }

  static UpdateCheck fromQuery(Map<String, List<String>> query) {
    Map<String, Member> members = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
      String name = parameter.getKey();
      String value = parameter.getValue().isEmpty() ? "" : parameter.getValue().get(0);
      if (!value.isEmpty()) {
        members.put(name, queryMember(name, value));
      }
    }
    return new UpdateCheck(members);
  }

  private static Member queryMember(String name, String value) {
    if (LISTS.contains(name)) {
      List<String> items = new ArrayList<>();
      for (String item : value.split(",", -1)) {
        if (!item.isEmpty()) {
          items.add(item);
        }
      }
      return new Member(name, JsonToken.START_ARRAY, null, items, stringArray(items));
    }
    if (FLAGS.contains(name)) {
      Boolean flag = goBool(value);
      if (flag != null) {
        return new Member(name, flag ? JsonToken.VALUE_TRUE : JsonToken.VALUE_FALSE, flag.toString(), List.of(), flag.toString());
      }
    } else if (COUNTERS.contains(name)) {
      try {
        String n = Integer.toString(Integer.parseInt(value));
        return new Member(name, JsonToken.VALUE_NUMBER_INT, n, List.of(), n);
      } catch (NumberFormatException e) {
        // Go reads it as 0, i.e. absent; it is kept as the string it was.
      }
    } else if ("act".equals(name)) {
      Member json = jsonValue(name, value);
      if (json != null) {
        return json;
      }
    }
    return new Member(name, JsonToken.VALUE_STRING, value, List.of(), quoted(value));
  }

  /** {@code strconv.ParseBool}: the spellings Go accepts, null for any other text. */
  private static Boolean goBool(String s) {
    return switch (s) {
      case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE;
      case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
      default -> null;
    };
  }

  /** {@code text} as one JSON value, or null when it is not exactly one. */
  private static Member jsonValue(String name, String text) {
    try (JsonParser p = JSON.createParser(text)) {
      JsonToken kind = p.nextToken();
      if (kind == null) {
        return null;
      }
      String scalar = kind.isScalarValue() && kind != JsonToken.VALUE_NULL ? p.getText() : null;
      String json = copy(p);
      return p.nextToken() == null ? new Member(name, kind, scalar, List.of(), json) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code text} as a JSON string. */
  static String quoted(String text) {
    return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
  }

  private static String stringArray(List<String> items) {
    StringWriter out = new StringWriter(16 * items.size() + 2);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartArray();
      for (String item : items) {
        g.writeString(item);
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static ApiException malformed(String message) {
    return new ApiException(HttpResponseStatus.BAD_REQUEST, "malformed_body", message);
  }
}
