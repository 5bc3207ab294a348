package io.pingstack.engine;

/** Thrown out of {@link ReplayLog#read} once the replay is cancelled; the target abandons its work. */
public final class ReplayCancelledException extends ReplayException {
  private static final long serialVersionUID = 1L;

  public ReplayCancelledException() {
    super("the replay was cancelled");
  }
}
