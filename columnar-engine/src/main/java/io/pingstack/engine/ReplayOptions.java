package io.pingstack.engine;

/**
 * How to replay into a target.
 *
 * @param dryRun change nothing; report what would be done
 * @param rebuild for a cold store: rewrite the range from the log even where the store holds it
 *     (without it, write only what the store lacks); the rollups always rebuild the cells the range
 *     touches
 */
public record ReplayOptions(boolean dryRun, boolean rebuild) {
  public static final ReplayOptions DEFAULT = new ReplayOptions(false, false);
}
