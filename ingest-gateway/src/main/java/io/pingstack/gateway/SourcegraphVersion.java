package io.pingstack.gateway;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Sourcegraph release version, {@code MAJOR.MINOR.PATCH} with an optional {@code v} in front, an
 * optional {@code -prerelease} and optional {@code +build} metadata, ordered by SemVer 2.0
 * precedence (build metadata is ignored; {@code 5.3.0-rc.1 < 5.3.0}). Leading zeros are accepted,
 * as Sourcegraph's server accepts them. Dev and date builds ({@code 19272_2018-08-01_f7dec47}) are
 * not versions: {@link #parse} answers null for them.
 */
record SourcegraphVersion(long major, long minor, long patch, List<String> prerelease) implements Comparable<SourcegraphVersion> {
  private static final Pattern VERSION = Pattern.compile(
      "v?(\\d{1,18})\\.(\\d{1,18})\\.(\\d{1,18})(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?");

  SourcegraphVersion {
    prerelease = List.copyOf(prerelease);
  }

  /** The version {@code text} names, or null when it is not one. */
  static SourcegraphVersion parse(String text) {
    Matcher m = VERSION.matcher(text);
    if (!m.matches()) {
      return null;
    }
    List<String> prerelease = m.group(4) == null ? List.of() : List.of(m.group(4).split("\\."));
    return new SourcegraphVersion(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), prerelease);
  }

  @Override
  public int compareTo(SourcegraphVersion other) {
    int c = Long.compare(major, other.major);
    c = c != 0 ? c : Long.compare(minor, other.minor);
    c = c != 0 ? c : Long.compare(patch, other.patch);
    if (c != 0 || prerelease.equals(other.prerelease)) {
      return c;
    }
    if (prerelease.isEmpty() || other.prerelease.isEmpty()) {
      return prerelease.isEmpty() ? 1 : -1; // a release ranks above its pre-releases
    }
    for (int i = 0; i < Math.min(prerelease.size(), other.prerelease.size()); i++) {
      c = compareIdentifiers(prerelease.get(i), other.prerelease.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(prerelease.size(), other.prerelease.size());
  }

  /** Numeric identifiers compare as numbers and rank below alphanumeric ones, which compare as ASCII. */
  private static int compareIdentifiers(String a, String b) {
    boolean numericA = a.chars().allMatch(Character::isDigit);
    boolean numericB = b.chars().allMatch(Character::isDigit);
    if (numericA && numericB) {
      String x = a.replaceFirst("^0+(?=.)", "");
      String y = b.replaceFirst("^0+(?=.)", "");
      return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
    }
    if (numericA != numericB) {
      return numericA ? -1 : 1;
    }
    return a.compareTo(b);
  }
}
