package io.pingstack.query;

/** The name rules of API.md section 1, for checking query parameters before they reach the rollups. */
final class Names {
  /** How event and metric names are written, for error messages. */
  static final String NAME_RULE = "a lowercase letter followed by up to 127 of a-z, 0-9, '_', '.', '-'";
  /** Longest dimension value a ping may carry; a longer filter value can never match. */
  static final int MAX_VALUE = 256;

  private Names() {}

  /** {@code ^[a-z][a-z0-9_.-]{0,127}$}: event and metric names. */
  static boolean isName(String s) {
    if (s.isEmpty() || s.length() > 128) {
      return false;
    }
    char first = s.charAt(0);
    if (first < 'a' || first > 'z') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
