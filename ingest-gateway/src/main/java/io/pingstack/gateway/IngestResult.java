package io.pingstack.gateway;

import io.pingstack.model.DecodedBatch;
import java.util.ArrayList;
import java.util.List;

/** The outcome of one accepted request: what was stored, what was a duplicate, what was refused and why. */
record IngestResult(int accepted, int duplicates, List<DecodedBatch.Rejected> rejected) {
  /** The same outcome with each refused ping's index moved by {@code offset} (its place in a stream). */
  IngestResult shifted(int offset) {
    List<DecodedBatch.Rejected> moved = new ArrayList<>(rejected.size());
    for (DecodedBatch.Rejected r : rejected) {
      moved.add(new DecodedBatch.Rejected(r.index() + offset, r.pingId(), r.reason()));
    }
    return new IngestResult(accepted, duplicates, moved);
  }

  /** This outcome followed by {@code next}'s. */
  IngestResult plus(IngestResult next) {
    List<DecodedBatch.Rejected> all = new ArrayList<>(rejected.size() + next.rejected.size());
    all.addAll(rejected);
    all.addAll(next.rejected);
    return new IngestResult(accepted + next.accepted, duplicates + next.duplicates, all);
  }
}
