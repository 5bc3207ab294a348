package io.pingstack.query;

import io.pingstack.model.PingRules;

/** For checking query parameters before they reach the rollups: names follow {@link PingRules#isName}. */
final class Names {
  /** How event and metric names are written, for error messages. */
  static final String NAME_RULE = "a lowercase letter followed by up to 127 of a-z, 0-9, '_', '.', '-'";
  /** Longest dimension value a ping may carry; a longer filter value can never match. */
  static final int MAX_VALUE = PingRules.MAX_DIMENSION_VALUE;

  private Names() {}
}
