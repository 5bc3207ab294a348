package io.pingstack.engine.clickhouse;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ClickHouse server's version, as {@code SELECT version()} answers it, and what it can do. Modern
 * means 23.8 or newer: LowCardinality without an experimental flag, codecs, TTL, DateTime64, and
 * {@code insert_deduplication_token} with {@code non_replicated_deduplication_window}. Anything
 * older (Debian's 18.16 among them) gets DDL that uses none of those.
 */
record ServerVersion(String text, int major, int minor) {
  private static final Pattern NUMBERS = Pattern.compile("(\\d+)\\.(\\d+)(?:\\..*)?");

  static ServerVersion parse(String text) {
    Matcher m = NUMBERS.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a ClickHouse version: '" + text + "'");
    }
    return new ServerVersion(text.trim(), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  boolean modern() {
    return major > 23 || major == 23 && minor >= 8;
  }

  @Override
  public String toString() {
    return text + (modern() ? " (modern DDL)" : " (legacy DDL: no LowCardinality, codecs, TTL or dedup tokens)");
  }
}
