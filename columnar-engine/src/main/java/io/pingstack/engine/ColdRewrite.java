package io.pingstack.engine;

import java.time.LocalDate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A committed file a replay writes again ({@link ArrowColdReplay}): the manifest's entry, whether the
 * disk lacks it, the path of the new file ({@code <a>-<b>.r<n>.arrow}, a name the manifest does not
 * list), the new file while it is written, and its entry once finished.
 */
final class ColdRewrite {
  private static final Pattern NAME = Pattern.compile("(\\d+)-(\\d+)(?:\\.r(\\d+))?\\.arrow");

  final Manifest.CommittedFile old;
  final boolean missing;
  final LocalDate day;
  final String path;
  DayFile file;
  Manifest.CommittedFile written;

  ColdRewrite(Manifest.CommittedFile old, boolean missing) {
    this.old = old;
    this.missing = missing;
    this.day = LocalDate.parse(old.day());
    this.path = DayFile.dirName(day) + "/" + nextName(old);
  }

  /** The new file's name within its day directory. */
  String name() {
    return path.substring(path.indexOf('/') + 1);
  }

  /** The entry the new file must have: the old one's under the new path. */
  Manifest.CommittedFile expected() {
    return new Manifest.CommittedFile(path, old.day(), old.firstPosition(), old.lastPosition(), old.rows());
  }

  /** {@code restore} for a file the disk lacks, {@code rebuild} for one it has. */
  String verb() {
    return missing ? "restore" : "rebuild";
  }

  String describe() {
    return old.path() + " (day " + old.day() + ", WAL " + old.firstPosition() + "–" + old.lastPosition() + ", " + old.rows() + " rows)";
  }

  /** {@code <a>-<b>.arrow} becomes {@code <a>-<b>.r1.arrow}, {@code <a>-<b>.r<n>.arrow} becomes {@code .r<n+1>}. */
  static String nextName(Manifest.CommittedFile file) {
    Matcher matcher = NAME.matcher(file.path().substring(file.path().indexOf('/') + 1));
    int generation = matcher.matches() && matcher.group(3) != null ? Integer.parseInt(matcher.group(3)) : 0;
    return file.firstPosition() + "-" + file.lastPosition() + ".r" + (generation + 1) + DayFile.SUFFIX;
  }
}
