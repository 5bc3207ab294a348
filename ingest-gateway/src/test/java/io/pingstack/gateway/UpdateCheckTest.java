package io.pingstack.gateway;

import static io.pingstack.gateway.SourcegraphFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonToken;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpdateCheckTest {
  private static ApiException refusal(String body) {
    return catchThrowableOfType(ApiException.class, () -> UpdateCheck.fromBody(json(body)));
  }

  private static Map<String, UpdateCheck.Member> members(UpdateCheck check) {
    Map<String, UpdateCheck.Member> byName = new java.util.LinkedHashMap<>();
    check.members().forEach(m -> byName.put(m.name(), m));
    return byName;
  }

  @Test
  void bodyThatIsNotOneJsonObjectIsMalformed() {
    for (String body : List.of("", "   ", "[{\"site\":\"s\"}]", "\"site\"", "42", "null", "{\"site\":\"s\"} {}", "{\"site\":\"s\"}]")) {
      ApiException e = refusal(body);

      assertThat(e).as(body).isNotNull();
      assertThat(e.status().code()).isEqualTo(400);
      assertThat(e.code()).isEqualTo("malformed_body");
    }
  }

  @Test
  void brokenJsonIsMalformedWithoutEchoingTheInput() {
    for (String body : List.of("{\"site\": \"secret-site\", ", "{\"site\": secret-site}", "{\"site\": \"a\", \"site\": \"secret-site\"}",
        "{\"site\": \"\u0000secret-site\"}")) {
      ApiException e = refusal(body);

      assertThat(e.code()).as(body).isEqualTo("malformed_body");
      assertThat(e.getMessage()).doesNotContain("secret");
    }
  }

  @Test
  void declaredFieldOfAnotherJsonTypeIsMalformedAsInSourcegraphsServer() {
    for (String body : List.of("{\"site\":123}", "{\"version\":[\"5\"]}", "{\"signup\":\"true\"}", "{\"u\":\"5\"}",
        "{\"auth\":\"builtin\"}", "{\"extsvcs\":[\"GITHUB\",1]}", "{\"initAdmin\":{\"a\":1}}")) {
      ApiException e = refusal(body);

      assertThat(e).as(body).isNotNull();
      assertThat(e.code()).isEqualTo("malformed_body");
    }
  }

  @Test
  void nullDeclaredFieldsAreTheirZeroValueAndUnknownFieldsMayHoldAnything() {
    UpdateCheck check = UpdateCheck.fromBody(json("{\"site\":\"s\",\"version\":null,\"auth\":null,\"signup\":null,"
        + "\"mystery\":[1,{\"b\":null}],\"other\":\"x\"}"));

    assertThat(check.string("site")).isEqualTo("s");
    assertThat(check.string("version")).isEmpty();
    assertThat(check.strings("auth")).isEmpty();
    assertThat(members(check).get("mystery").json()).isEqualTo("[1,{\"b\":null}]");
    assertThat(members(check)).containsOnlyKeys("site", "version", "auth", "signup", "mystery", "other");
  }

  @Test
  void queryStringIsReadAsSourcegraphsServerReadsIt() {
    UpdateCheck check = UpdateCheck.fromQuery(new QueryStringDecoder("/updates?site=s-1&site=s-2&version=&deployType=helm"
        + "&signup=T&repos=yes&u=%2B12&totalUsers=99999999999&auth=saml,,builtin&act=not-json&unknown=1").parameters());
    Map<String, UpdateCheck.Member> m = members(check);

    assertThat(check.string("site")).isEqualTo("s-1");
    assertThat(m).doesNotContainKey("version");
    assertThat(m.get("signup").kind()).isEqualTo(JsonToken.VALUE_TRUE);
    assertThat(m.get("repos").json()).isEqualTo("\"yes\"");
    assertThat(m.get("u").json()).isEqualTo("12");
    assertThat(m.get("totalUsers").json()).as("over int32, as Go's ParseInt(s, 10, 32) refuses it").isEqualTo("\"99999999999\"");
    assertThat(check.strings("auth")).containsExactly("saml", "builtin");
    assertThat(m.get("act").json()).isEqualTo("\"not-json\"");
    assertThat(m.get("unknown").json()).isEqualTo("\"1\"");
  }
}
