package io.pingstack.model;

/**
 * Why one ping was refused: one machine-readable code per validation rule of API.md section 1.
 * The codes are part of the external contract; add codes, never rename them.
 */
public enum Reason {
  MALFORMED_PING("malformed_ping"),
  MISSING_PING_ID("missing_ping_id"),
  INVALID_PING_ID("invalid_ping_id"),
  PING_ID_TOO_LONG("ping_id_too_long"),
  MISSING_INSTANCE_ID("missing_instance_id"),
  INVALID_INSTANCE_ID("invalid_instance_id"),
  INSTANCE_ID_TOO_LONG("instance_id_too_long"),
  MISSING_TIMESTAMP("missing_timestamp"),
  INVALID_TIMESTAMP("invalid_timestamp"),
  TIMESTAMP_IN_FUTURE("timestamp_in_future"),
  TIMESTAMP_TOO_OLD("timestamp_too_old"),
  MISSING_EVENT("missing_event"),
  INVALID_EVENT("invalid_event"),
  INVALID_VERSION("invalid_version"),
  VERSION_TOO_LONG("version_too_long"),
  INVALID_DEPLOY_TYPE("invalid_deploy_type"),
  DEPLOY_TYPE_TOO_LONG("deploy_type_too_long"),
  INVALID_METRICS("invalid_metrics"),
  TOO_MANY_METRICS("too_many_metrics"),
  INVALID_METRIC_NAME("invalid_metric_name"),
  INVALID_METRIC_VALUE("invalid_metric_value"),
  INVALID_DIMENSIONS("invalid_dimensions"),
  TOO_MANY_DIMENSIONS("too_many_dimensions"),
  INVALID_DIMENSION_KEY("invalid_dimension_key"),
  INVALID_DIMENSION_VALUE("invalid_dimension_value"),
  DIMENSION_VALUE_TOO_LONG("dimension_value_too_long"),
  INVALID_PAYLOAD("invalid_payload"),
  PAYLOAD_TOO_LARGE("payload_too_large");

  private final String code;

  Reason(String code) {
    this.code = code;
  }

  /** The code clients see in {@code errors[].reason}. */
  public String code() {
    return code;
  }
}
