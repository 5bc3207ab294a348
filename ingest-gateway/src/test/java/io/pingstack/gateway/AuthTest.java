package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthTest {
  private static final IngestToken ALICE = new IngestToken("alice", "s3cret-alice", null);
  private static final IngestToken BOB = new IngestToken("bob", "s3cret-bob", "inst-bob");

  private final Auth auth = new Auth(List.of(ALICE, BOB));

  private ApiException refusal(String header) {
    return catchThrowableOfType(ApiException.class, () -> auth.authenticate(header));
  }

  @Test
  void ingestIsOpenWhenNoTokensAreConfigured() {
    Auth open = new Auth(List.of());

    assertThat(open.open()).isTrue();
    assertThat(open.authenticate(null)).isNull();
    assertThat(open.authenticate("Bearer anything")).isNull();
  }

  @Test
  void ingestIsClosedWhenTokensAreConfigured() {
    assertThat(auth.open()).isFalse();
  }

  @Test
  void missingHeaderIsMissingToken() {
    ApiException e = refusal(null);

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(401);
    assertThat(e.code()).isEqualTo("missing_token");
  }

  @Test
  void otherSchemeIsMissingToken() {
    assertThat(refusal("Basic czNjcmV0LWFsaWNl").code()).isEqualTo("missing_token");
    assertThat(refusal("Bearer").code()).isEqualTo("missing_token");
  }

  @Test
  void wrongTokenIsUnknownToken() {
    ApiException e = refusal("Bearer s3cret-mallory");

    assertThat(e).isNotNull();
    assertThat(e.status().code()).isEqualTo(401);
    assertThat(e.code()).isEqualTo("unknown_token");
    assertThat(e.getMessage()).doesNotContain("mallory");
  }

  @Test
  void prefixOfATokenIsUnknownToken() {
    assertThat(refusal("Bearer s3cret-ali").code()).isEqualTo("unknown_token");
  }

  @Test
  void rightTokenIsReturned() {
    assertThat(auth.authenticate("Bearer s3cret-alice")).isEqualTo(ALICE);
    assertThat(auth.authenticate("Bearer s3cret-bob")).isEqualTo(BOB);
  }

  @Test
  void schemeIsCaseInsensitiveAndSpacesAroundTheTokenAreIgnored() {
    assertThat(auth.authenticate("bearer s3cret-bob")).isEqualTo(BOB);
    assertThat(auth.authenticate("BEARER   s3cret-alice  ")).isEqualTo(ALICE);
  }

  @Test
  void tokenToStringNeverShowsTheSecret() {
    assertThat(BOB.toString()).contains("bob").contains("inst-bob").doesNotContain("s3cret");
  }
}
