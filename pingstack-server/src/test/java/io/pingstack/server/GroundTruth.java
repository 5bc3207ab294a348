package io.pingstack.server;

import static java.util.Objects.requireNonNull;

import io.pingstack.model.proto.Ping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What {@code /v1/rollups} must answer, computed exactly from the distinct valid pings: columns of
 * dictionary codes and metric values, scanned once per question.
 *
 * <p>Pings count in the bucket of their event time (UTC, aligned down to the step). Minute buckets
 * hold only pings younger than {@code minuteRetention} at {@code nowMillis}; hour and day buckets
 * hold them all. A series without a grouped property has the group value {@code ""}.
 */
final class GroundTruth {
  /** The resolutions of API.md section 3. */
  enum Step {
    MINUTE("1m", Duration.ofMinutes(1)), HOUR("1h", Duration.ofHours(1)), DAY("1d", Duration.ofDays(1));

    final String code;
    final long millis;

    Step(String code, Duration length) {
      this.code = code;
      this.millis = length.toMillis();
    }
  }

  /**
   * One question: {@code groupBy} and the filter field use API.md's names ({@code version},
   * {@code deploy_type}, {@code dimension.<key>}); a null {@code filterField} means no filter.
   */
  record Question(String event, Step step, String metric, List<String> groupBy, String filterField, String filterValue) {
    Question {
      requireNonNull(event, "event");
      requireNonNull(step, "step");
      requireNonNull(metric, "metric");
      groupBy = List.copyOf(groupBy);
    }
  }

  private final long minuteHorizonMillis;
  private final Dictionary events = new Dictionary();
  private final Dictionary instances = new Dictionary();
  /** Per property (API.md name) its values' codes, -1 where a ping lacks it. */
  private final Map<String, Dictionary> propertyValues = new HashMap<>();
  private final Map<String, int[]> propertyColumns = new HashMap<>();
  private final Map<String, double[]> metricColumns = new HashMap<>();
  private int[] eventColumn;
  private int[] instanceColumn;
  private long[] timeColumn;
  private int size;
  /** Row numbers per event code; built by the first answer after an add. */
  private int[][] rowsByEvent;

  GroundTruth(long nowMillis, Duration minuteRetention, int expectedPings) {
    this.minuteHorizonMillis = nowMillis - minuteRetention.toMillis();
    int capacity = Math.max(16, expectedPings);
    eventColumn = new int[capacity];
    instanceColumn = new int[capacity];
    timeColumn = new long[capacity];
  }

  /** The truth for every distinct valid ping of {@code mix}. */
  static GroundTruth of(PingMix mix) {
    GroundTruth truth = new GroundTruth(mix.nowMillis(), Duration.ofDays(2), mix.unique());
    for (int i = 0; i < mix.unique(); i++) {
      truth.add(mix.valid(i));
    }
    return truth;
  }

  /** Adds one distinct, valid ping. */
  void add(Ping ping) {
    if (size == eventColumn.length) {
      int capacity = size * 2;
      eventColumn = Arrays.copyOf(eventColumn, capacity);
      instanceColumn = Arrays.copyOf(instanceColumn, capacity);
      timeColumn = Arrays.copyOf(timeColumn, capacity);
      propertyColumns.replaceAll((k, column) -> grow(column, capacity));
      metricColumns.replaceAll((k, column) -> grow(column, capacity));
    }
    rowsByEvent = null;
    eventColumn[size] = events.code(ping.getEvent());
    instanceColumn[size] = instances.code(ping.getInstanceId());
    timeColumn[size] = PingMix.millis(ping);
    setProperty("version", ping.getVersion().isEmpty() ? null : ping.getVersion());
    setProperty("deploy_type", ping.getDeployType().isEmpty() ? null : ping.getDeployType());
    ping.getDimensionsMap().forEach((key, value) -> setProperty("dimension." + key, value));
    ping.getMetricsMap().forEach((name, value) ->
        metricColumns.computeIfAbsent(name, n -> filled(new double[eventColumn.length], Double.NaN))[size] = value);
    size++;
  }

  int size() {
    return size;
  }

  /** Distinct valid pings per event name. */
  Map<String, Long> countsByEvent() {
    long[] counts = new long[events.size()];
    for (int r = 0; r < size; r++) {
      counts[eventColumn[r]]++;
    }
    Map<String, Long> byName = new TreeMap<>();
    for (int e = 0; e < counts.length; e++) {
      byName.put(events.name(e), counts[e]);
    }
    return byName;
  }

  /** The exact answer: group (field name to value, in {@code groupBy} order) to bucket start to cell. */
  Map<Map<String, String>, NavigableMap<Long, Cell>> answer(Question q) {
    int event = events.codeOrMissing(q.event());
    int[] filter = q.filterField() == null ? null : propertyColumns.getOrDefault(q.filterField(), new int[0]);
    int filterCode = q.filterField() == null ? -1 : values(q.filterField()).codeOrMissing(q.filterValue());
    int[][] groupColumns = new int[q.groupBy().size()][];
    for (int g = 0; g < groupColumns.length; g++) {
      groupColumns[g] = propertyColumns.getOrDefault(q.groupBy().get(g), new int[0]);
    }
    double[] metric = metricColumns.get(q.metric());
    long step = q.step().millis;
    // Groups keyed by their codes packed in a long (code + 1 per field, 0 for "absent").
    Map<Long, TreeMap<Long, Cell>> byCodes = new HashMap<>();
    for (int r : rowsOf(event)) {
      if ((filter != null && (r >= filter.length || filter[r] != filterCode))
          || (q.step() == Step.MINUTE && timeColumn[r] < minuteHorizonMillis)) {
        continue;
      }
      long key = 0;
      for (int[] column : groupColumns) {
        key = (key << 32) | (r < column.length ? column[r] + 1 : 0);
      }
      Cell cell = byCodes.computeIfAbsent(key, k -> new TreeMap<>())
          .computeIfAbsent(Math.floorDiv(timeColumn[r], step) * step, k -> new Cell());
      cell.add(instanceColumn[r], metric == null ? Double.NaN : metric[r]);
    }
    Map<Map<String, String>, NavigableMap<Long, Cell>> answer = new HashMap<>();
    byCodes.forEach((key, cells) -> {
      cells.values().forEach(Cell::seal);
      Map<String, String> group = new LinkedHashMap<>();
      for (int g = 0; g < groupColumns.length; g++) {
        int code = (int) (key >>> (32 * (groupColumns.length - 1 - g))) - 1;
        group.put(q.groupBy().get(g), code < 0 ? "" : values(q.groupBy().get(g)).name(code));
      }
      answer.put(group, cells);
    });
    return answer;
  }

  private int[] rowsOf(int event) {
    if (rowsByEvent == null) {
      int[] counts = new int[events.size()];
      for (int r = 0; r < size; r++) {
        counts[eventColumn[r]]++;
      }
      rowsByEvent = new int[events.size()][];
      for (int e = 0; e < counts.length; e++) {
        rowsByEvent[e] = new int[counts[e]];
        counts[e] = 0;
      }
      for (int r = 0; r < size; r++) {
        rowsByEvent[eventColumn[r]][counts[eventColumn[r]]++] = r;
      }
    }
    return event >= 0 && event < rowsByEvent.length ? rowsByEvent[event] : new int[0];
  }

  private Dictionary values(String field) {
    return propertyValues.getOrDefault(field, new Dictionary());
  }

  private void setProperty(String field, String value) {
    if (value == null) {
      return;
    }
    int code = propertyValues.computeIfAbsent(field, f -> new Dictionary()).code(value);
    propertyColumns.computeIfAbsent(field, f -> filled(new int[eventColumn.length], -1))[size] = code;
  }

  private static int[] grow(int[] column, int capacity) {
    int[] grown = Arrays.copyOf(column, capacity);
    Arrays.fill(grown, column.length, capacity, -1);
    return grown;
  }

  private static double[] grow(double[] column, int capacity) {
    double[] grown = Arrays.copyOf(column, capacity);
    Arrays.fill(grown, column.length, capacity, Double.NaN);
    return grown;
  }

  private static int[] filled(int[] column, int value) {
    Arrays.fill(column, value);
    return column;
  }

  private static double[] filled(double[] column, double value) {
    Arrays.fill(column, value);
    return column;
  }

  /**
   * The exact aggregates of one bucket. The metric's values are kept (sorted once sealed) for exact
   * quantiles; the sum is compensated (Neumaier) so it is exact to the last bits or so.
   */
  static final class Cell {
    private long count;
    private int[] instanceCodes = new int[4];
    private double[] values = new double[4];
    private int valueCount;
    private double sum;
    private double compensation;
    private double sumOfMagnitudes;
    private long distinct;

    void add(int instance, double value) {
      if (count == instanceCodes.length) {
        instanceCodes = Arrays.copyOf(instanceCodes, instanceCodes.length * 2);
      }
      instanceCodes[(int) count++] = instance;
      if (Double.isNaN(value)) {
        return;
      }
      if (valueCount == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[valueCount++] = value;
      double t = sum + value;
      compensation += Math.abs(sum) >= Math.abs(value) ? (sum - t) + value : (value - t) + sum;
      sum = t;
      sumOfMagnitudes += Math.abs(value);
    }

    void seal() {
      int[] codes = Arrays.copyOf(instanceCodes, (int) count);
      Arrays.sort(codes);
      distinct = codes.length == 0 ? 0 : 1;
      for (int i = 1; i < codes.length; i++) {
        if (codes[i] != codes[i - 1]) {
          distinct++;
        }
      }
      instanceCodes = null;
      values = Arrays.copyOf(values, valueCount);
      Arrays.sort(values);
    }

    long count() {
      return count;
    }

    long distinctInstances() {
      return distinct;
    }

    /** True when at least one ping in the bucket carried the metric: only then do per-metric aggregates exist. */
    boolean hasMetric() {
      return valueCount > 0;
    }

    double sum() {
      return sum + compensation;
    }

    /** Σ|v| over the metric's values: the scale of any floating-point summation error. */
    double sumOfMagnitudes() {
      return sumOfMagnitudes;
    }

    double min() {
      return values[0];
    }

    double max() {
      return values[valueCount - 1];
    }

    double avg() {
      return sum() / valueCount;
    }

    int valueCount() {
      return valueCount;
    }

    /** The value at 0-based rank floor(q * (n - 1)) of the sorted values (API.md's quantile). */
    double quantile(double q) {
      return values[(int) Math.floor(q * (valueCount - 1))];
    }
  }

  /** Strings to dense codes and back. */
  private static final class Dictionary {
    private final Map<String, Integer> codes = new HashMap<>();
    private final List<String> names = new ArrayList<>();

    int code(String name) {
      return codes.computeIfAbsent(name, n -> {
        names.add(n);
        return names.size() - 1;
      });
    }

    int codeOrMissing(String name) {
      return codes.getOrDefault(name, -2);
    }

    String name(int code) {
      return names.get(code);
    }

    int size() {
      return names.size();
    }
  }
}
