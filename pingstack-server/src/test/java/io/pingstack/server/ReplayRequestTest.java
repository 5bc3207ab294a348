package io.pingstack.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pingstack.server.ReplayRefusedException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class ReplayRequestTest {
  private static ReplayRequest parse(String json) {
    return ReplayRequest.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static AbstractThrowableAssert<?, ?> refused(String json) {
    return assertThatThrownBy(() -> parse(json))
        .isInstanceOf(ReplayRefusedException.class)
        .satisfies(e -> assertThat(((ReplayRefusedException) e).reason()).isEqualTo(Reason.INVALID));
  }

  @Test
  void aPositionIsAJsonNumberOrAStringOfDigits() {
    ReplayRequest r = parse("{\"from\": 12, \"to\": \"3400\", \"target\": \"cold\"}");
    assertThat(r.from().isTime()).isFalse();
    assertThat(r.from().position()).isEqualTo(12);
    assertThat(r.to().position()).isEqualTo(3400);
  }

  @Test
  void aTimeIsAnRfc3339String() {
    ReplayRequest r = parse("{\"from\": \"2026-11-21T10:00:00Z\", \"to\": \"2026-11-21T12:30:00+02:00\", \"target\": \"rollups\"}");
    assertThat(r.from().time()).isEqualTo(Instant.parse("2026-11-21T10:00:00Z"));
    assertThat(r.to().time()).isEqualTo(Instant.parse("2026-11-21T10:30:00Z"));
  }

  @Test
  void toMayBeLeftOutAndTheFlagsDefaultToFalse() {
    ReplayRequest r = parse("{\"from\": 1, \"target\": \"all\"}");
    assertThat(r.to()).isNull();
    assertThat(r.dryRun()).isFalse();
    assertThat(r.rebuild()).isFalse();
    assertThat(parse("{\"from\": 1, \"to\": null, \"target\": \"all\"}").to()).isNull();
    ReplayRequest flags = parse("{\"from\": 1, \"target\": \"cold\", \"dry_run\": true, \"rebuild\": true}");
    assertThat(flags.options().dryRun()).isTrue();
    assertThat(flags.options().rebuild()).isTrue();
  }

  @Test
  void allIsTheRollupsThenTheColdStore() {
    assertThat(parse("{\"from\": 1, \"target\": \"all\"}").targetNames()).containsExactly("rollups", "cold");
    assertThat(parse("{\"from\": 1, \"target\": \"cold\"}").targetNames()).isEqualTo(List.of("cold"));
  }

  @Test
  void eachBadFieldIsNamedInTheRefusal() {
    refused("{\"target\": \"cold\"}").hasMessageContaining("from is required");
    refused("{\"from\": \"yesterday\", \"target\": \"cold\"}").hasMessageStartingWith("from must be a WAL position");
    refused("{\"from\": -1, \"target\": \"cold\"}").hasMessageStartingWith("from must be");
    refused("{\"from\": 1.5, \"target\": \"cold\"}").hasMessageStartingWith("from must be");
    refused("{\"from\": true, \"target\": \"cold\"}").hasMessageStartingWith("from must be");
    refused("{\"from\": \"99999999999999999999\", \"target\": \"cold\"}").hasMessageContaining("from is not a WAL position");
    refused("{\"from\": 1, \"to\": \"soon\", \"target\": \"cold\"}").hasMessageStartingWith("to must be");
    refused("{\"from\": 1}").hasMessageContaining("target is required");
    refused("{\"from\": 1, \"target\": \"hot\"}").hasMessageContaining("target is required: rollups, cold or all");
    refused("{\"from\": 1, \"target\": \"cold\", \"dry_run\": \"yes\"}").hasMessage("dry_run must be true or false");
    refused("{\"from\": 1, \"target\": \"cold\", \"rebuild\": 1}").hasMessage("rebuild must be true or false");
  }

  @Test
  void aMisspeltFieldIsRefusedRatherThanIgnoredAndNotEchoed() {
    refused("{\"from\": 1, \"target\": \"cold\", \"dry-run\": true}")
        .hasMessageContaining("unknown field")
        .hasMessageNotContaining("dry-run");
  }

  @Test
  void aBodyThatIsNotAJsonObjectIsRefused() {
    refused("").hasMessageContaining("JSON object");
    refused("[1, 2]").hasMessageContaining("JSON object");
    refused("{\"from\": ").hasMessageContaining("JSON object");
  }

  @Test
  void fromAfterToIsRefusedWhenBothAreTheSameKind() {
    refused("{\"from\": 20, \"to\": 10, \"target\": \"cold\"}").hasMessage("from is after to");
    refused("{\"from\": \"2026-11-21T11:00:00Z\", \"to\": \"2026-11-21T10:00:00Z\", \"target\": \"cold\"}")
        .hasMessage("from is after to");
    assertThat(parse("{\"from\": 10, \"to\": 10, \"target\": \"cold\"}").to().position()).isEqualTo(10);
  }
}
