package io.pingstack.model;

import io.pingstack.model.proto.Ping;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The pings of one request after decoding and validation: the valid ones in request order, each
 * with its index in the request, and the refused ones with their reasons. Not thread-safe while
 * being built; read-only afterwards.
 */
public final class DecodedBatch {
  /** One refused ping. {@code pingId} is empty when the ping had no usable id. */
  public record Rejected(int index, String pingId, Reason reason) {}

  private final List<Ping> valid = new ArrayList<>();
  private int[] validIndex = new int[16];
  private final List<Rejected> rejected = new ArrayList<>();

  void addValid(int index, Ping ping) {
    if (valid.size() == validIndex.length) {
      validIndex = java.util.Arrays.copyOf(validIndex, validIndex.length * 2);
    }
    validIndex[valid.size()] = index;
    valid.add(ping);
  }

  void addRejected(int index, String pingId, Reason reason) {
    String reportable = pingId == null || pingId.length() > PingRules.MAX_PING_ID ? "" : pingId;
    rejected.add(new Rejected(index, reportable, reason));
  }

  /** Validates {@code ping} and files it as valid or rejected under {@code index}. */
  void add(int index, Ping ping, PingRules rules, long nowMillis) {
    Reason reason = rules.check(ping, nowMillis);
    if (reason == null) {
      addValid(index, ping);
    } else {
      addRejected(index, ping.getPingId(), reason);
    }
  }

  public List<Ping> valid() {
    return Collections.unmodifiableList(valid);
  }

  /** The index in the request of the {@code i}-th valid ping. */
  public int validIndex(int i) {
    return validIndex[i];
  }

  public List<Rejected> rejected() {
    return Collections.unmodifiableList(rejected);
  }

  public int total() {
    return valid.size() + rejected.size();
  }
}
