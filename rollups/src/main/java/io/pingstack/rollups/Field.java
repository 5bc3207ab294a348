package io.pingstack.rollups;

import java.util.Objects;

/**
 * A property a rollup series is keyed by, for {@code group_by} and {@code filter}: the version, the
 * deploy type, or one declared dimension.
 */
public record Field(Kind kind, String dimension) {
  public enum Kind { VERSION, DEPLOY_TYPE, DIMENSION }

  public static final Field VERSION = new Field(Kind.VERSION, null);
  public static final Field DEPLOY_TYPE = new Field(Kind.DEPLOY_TYPE, null);

  public Field {
    Objects.requireNonNull(kind, "kind");
    if ((kind == Kind.DIMENSION) != (dimension != null)) {
      throw new IllegalArgumentException("a dimension field names its key, and only a dimension field does");
    }
  }

  public static Field dimension(String key) {
    return new Field(Kind.DIMENSION, Objects.requireNonNull(key, "key"));
  }

  /** The field written as in API.md ({@code version}, {@code deploy_type}, {@code dimension.<key>}), or null. */
  public static Field parse(String text) {
    if (text.equals("version")) {
      return VERSION;
    }
    if (text.equals("deploy_type")) {
      return DEPLOY_TYPE;
    }
    if (text.startsWith("dimension.") && text.length() > "dimension.".length()) {
      return dimension(text.substring("dimension.".length()));
    }
    return null;
  }

  /** The name used in API.md and as the key in a series' {@code group}. */
  public String label() {
    return switch (kind) {
      case VERSION -> "version";
      case DEPLOY_TYPE -> "deploy_type";
      case DIMENSION -> "dimension." + dimension;
    };
  }
}
