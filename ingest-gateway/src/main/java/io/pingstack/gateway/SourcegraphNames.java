package io.pingstack.gateway;

/**
 * Sourcegraph names things in lowerCamelCase ({@code totalUsers}, {@code cody.chatResponse}); a
 * Pingstack event or metric key is lower case ({@code ^[a-z][a-z0-9_.-]*$}). Both adapters map names
 * the same way: an upper-case letter becomes {@code _} plus its lower case, except at the start or
 * after a separator, and a run of capitals is one word ({@code hasExtURL} is {@code has_ext_url}).
 */
final class SourcegraphNames {
  private SourcegraphNames() {}

  /** The snake_case form of {@code name}; characters other than ASCII letters and digits become {@code _}, except {@code .} and {@code -}. */
  static String snakeCase(String name) {
    StringBuilder out = new StringBuilder(name.length() + 8);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char previous = i == 0 ? '.' : name.charAt(i - 1);
        char next = i + 1 < name.length() ? name.charAt(i + 1) : '.';
        boolean afterWord = Character.isLowerCase(previous) || Character.isDigit(previous);
        boolean endsRun = Character.isUpperCase(previous) && Character.isLowerCase(next);
        if ((afterWord || endsRun) && out.length() > 0) {
          out.append('_');
        }
        out.append((char) (c + ('a' - 'A')));
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_') {
        out.append(c);
      } else {
        out.append('_');
      }
    }
    return out.toString();
  }
}
