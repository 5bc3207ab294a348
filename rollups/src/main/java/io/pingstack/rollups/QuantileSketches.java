package io.pingstack.rollups;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.PaginatedStore;
import java.io.IOException;

/**
 * The one quantile sketch configuration every cell uses, so that any two sketches merge.
 *
 * <p>DDSketch with a logarithmic mapping at 0.5 % relative accuracy: half of the 1 % the API
 * promises, leaving the other half to floating-point rounding at bin edges. Paginated stores
 * allocate 32-bin pages only where values fall, so two values at 1e-300 and 1e300 cost a page
 * directory, not the 140,000 bins in between. Values beyond the mapping's range (about ±1.7e308)
 * are clamped into it.
 */
final class QuantileSketches {
  static final double RELATIVE_ACCURACY = 0.005;
  static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);
  private static final double LIMIT = MAPPING.maxIndexableValue();

  private QuantileSketches() {}

  static DDSketch create() {
    return new DDSketch(MAPPING, PaginatedStore::new);
  }

  static void add(DDSketch sketch, double value) {
    sketch.accept(Math.max(-LIMIT, Math.min(LIMIT, value)));
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
    DDSketch sketch = DDSketch.decode(ByteArrayInput.wrap(bytes), PaginatedStore::new);
    if (!sketch.getIndexMapping().equals(MAPPING)) {
      throw new CorruptSnapshotException("a quantile sketch uses another index mapping than " + MAPPING);
    }
    return sketch;
  }
}
