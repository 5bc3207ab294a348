package io.pingstack.rollups;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.PaginatedStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.io.IOException;

/**
 * The one quantile sketch configuration every cell uses, so that any two sketches merge.
 *
 * <p>DDSketch with a logarithmic mapping at 0.5 % relative accuracy: half of the 1 % the API
 * promises, leaving the other half to floating-point rounding at bin edges. Values beyond the
 * mapping's range (about ±1.7e308) are clamped into it.
 *
 * <p>Stores: a sketch starts with dense stores (one array of bins from the lowest to the highest
 * index seen), the fastest to update and to merge: with paginated stores (32-bin pages), updates
 * took 27 % of the rollups consumer's time and ingest with both consumers ran at 125k pings/s
 * instead of 200k+ (docs/BENCHMARKS.md). A store whose bins come to span more than {@value
 * #MAX_DENSE_BINS} indexes (values more than ~10^17 apart: 32 KiB of bins) moves to paginated
 * stores, which allocate pages only where values fall, so 1e-300 next to 1e300 costs a page
 * directory, not 140,000 bins. Callers keep the sketch {@link #add} and {@link #bounded} return.
 */
final class QuantileSketches {
  static final double RELATIVE_ACCURACY = 0.005;
  static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);
  /** The widest span of bin indexes a dense store may cover: 4,096 bins of 8 bytes. */
  static final int MAX_DENSE_BINS = 4096;
  private static final double LIMIT = MAPPING.maxIndexableValue();

  private QuantileSketches() {}

  static DDSketch create() {
    return new DDSketch(MAPPING, UnboundedSizeDenseStore::new);
  }

  /** Adds {@code value} and returns the sketch to keep: {@code sketch}, or it in paginated stores. */
  static DDSketch add(DDSketch sketch, double value) {
    double clamped = Math.max(-LIMIT, Math.min(LIMIT, value));
    sketch.accept(clamped);
    if (clamped > 0) {
      return tooWide(sketch.getPositiveValueStore()) ? paginated(sketch) : sketch;
    }
    if (clamped < 0) {
      return tooWide(sketch.getNegativeValueStore()) ? paginated(sketch) : sketch;
    }
    return sketch;
  }

  /** {@code sketch}, or, when a dense store of it spans more than {@link #MAX_DENSE_BINS}, the same bins in paginated stores. */
  static DDSketch bounded(DDSketch sketch) {
    return tooWide(sketch.getPositiveValueStore()) || tooWide(sketch.getNegativeValueStore()) ? paginated(sketch) : sketch;
  }

  private static boolean tooWide(Store store) {
    return store instanceof UnboundedSizeDenseStore && !store.isEmpty()
        && store.getMaxIndex() - store.getMinIndex() >= MAX_DENSE_BINS;
  }

  private static DDSketch paginated(DDSketch sketch) {
    DDSketch paged = new DDSketch(MAPPING, PaginatedStore::new);
    paged.mergeWith(sketch); // bin by bin: the same mapping, nothing re-estimated
    return paged;
  }

  /**
   * The 0-based rank the API's quantile {@code q} of {@code n} values names: {@code floor(q * (n -
   * 1))} of the values sorted ascending. DDSketch's {@code getValueAtQuantile} answers the same rank.
   */
  static int rank(int n, double q) {
    return (int) Math.floor(q * (n - 1));
  }

  static byte[] encode(DDSketch sketch) throws IOException {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    sketch.encode(out, false);
    return out.trimmedCopy();
  }

  static DDSketch decode(byte[] bytes) throws IOException {
    DDSketch sketch = DDSketch.decode(ByteArrayInput.wrap(bytes), UnboundedSizeDenseStore::new);
    if (!sketch.getIndexMapping().equals(MAPPING)) {
      throw new CorruptSnapshotException("a quantile sketch uses another index mapping than " + MAPPING);
    }
    return bounded(sketch);
  }
}
