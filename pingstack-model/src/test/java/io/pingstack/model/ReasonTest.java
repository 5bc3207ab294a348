package io.pingstack.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Reason codes are part of the external contract: clients match on them. */
class ReasonTest {
  @Test
  void everyCodeIsTheLowerCaseNameOfItsReason() {
    for (Reason reason : Reason.values()) {
      assertThat(reason.code()).isEqualTo(reason.name().toLowerCase(Locale.ROOT));
    }
  }

  @Test
  void codesAreTheOnesClientsWereToldAbout() {
    assertThat(Arrays.stream(Reason.values()).map(Reason::code)).containsExactly(
        "malformed_ping", "missing_ping_id", "invalid_ping_id", "ping_id_too_long",
        "missing_instance_id", "invalid_instance_id", "instance_id_too_long",
        "missing_timestamp", "invalid_timestamp", "timestamp_in_future", "timestamp_too_old",
        "missing_event", "invalid_event", "invalid_version", "version_too_long",
        "invalid_deploy_type", "deploy_type_too_long",
        "invalid_metrics", "too_many_metrics", "invalid_metric_name", "invalid_metric_value",
        "invalid_dimensions", "too_many_dimensions", "invalid_dimension_key", "invalid_dimension_value",
        "dimension_value_too_long", "invalid_payload", "payload_too_large");
  }
}
