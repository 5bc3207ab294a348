package io.pingstack.query;

import static io.pingstack.query.Params.badRequest;

import io.pingstack.model.PingRules;
import io.pingstack.rollups.Agg;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.RollupQuery;
import io.pingstack.rollups.Step;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the parameters of {@code GET /v1/rollups} (API.md section 3) into a {@link RollupQuery}, or
 * refuses the first problem with a 400 that names the parameter. Defaults: {@code step=1h},
 * {@code agg=count}, {@code fill=none}.
 */
final class RollupParams {
  static final Step DEFAULT_STEP = Step.HOUR;
  static final int MAX_GROUP_BY = 2;

  private static final Set<String> SINGLE =
      Set.of("event", "from", "to", "step", "agg", "metric", "group_by", "fill");
  private static final Set<String> REPEATABLE = Set.of("filter");
  private static final String TAKES =
      "/v1/rollups takes event, from, to, step, agg, metric, group_by, filter (repeatable) and fill";
  private static final String AGGS = "count, distinct_instances, sum, min, max, avg, p50, p90, p95, p99";
  private static final String PER_METRIC_AGGS = "sum, min, max, avg, p50, p90, p95, p99";

  private RollupParams() {}

  /** {@code declared}: the dimension keys the rollups keep; {@code dimension.<key>} must name one. */
  static RollupQuery parse(Map<String, List<String>> query, Set<String> declared) {
    Params params = Params.check(query, SINGLE, REPEATABLE, TAKES);
    String event = params.required("event", "one event name");
    if (!PingRules.isName(event)) {
      throw badRequest("invalid_parameter", "event must be an event name: " + Names.NAME_RULE);
    }
    Params.Range range = params.range();
    Step step = step(params.optional("step"));
    List<Agg> aggs = aggs(params.optional("agg"));
    String metric = metric(params.optional("metric"), aggs);
    List<Field> groupBy = groupBy(params.optional("group_by"), declared);
    Map<Field, Set<String>> filters = filters(params.all("filter"), declared);
    boolean fillZero = fill(params.optional("fill"));
    return new RollupQuery(event, range.from(), range.to(), step, aggs, metric, groupBy, filters, fillZero);
  }

  private static Step step(String text) {
    if (text == null) {
      return DEFAULT_STEP;
    }
    Step step = Step.parse(text);
    if (step == null) {
      throw badRequest("invalid_step", "step must be 1m, 1h or 1d");
    }
    return step;
  }

  private static List<Agg> aggs(String text) {
    if (text == null) {
      return List.of(Agg.COUNT);
    }
    EnumSet<Agg> seen = EnumSet.noneOf(Agg.class);
    List<Agg> aggs = new ArrayList<>(4);
    for (String code : text.split(",", -1)) {
      if (code.isEmpty()) {
        throw badRequest("invalid_parameter", "agg is a comma list without empty items: " + AGGS);
      }
      Agg agg = Agg.parse(code);
      if (agg == null) {
        throw badRequest("unknown_agg", "agg must list only " + AGGS);
      }
      if (!seen.add(agg)) {
        throw badRequest("invalid_parameter", "agg lists " + agg.code() + " more than once");
      }
      aggs.add(agg);
    }
    return aggs;
  }

  private static String metric(String metric, List<Agg> aggs) {
    boolean perMetric = aggs.stream().anyMatch(Agg::perMetric);
    if (metric == null) {
      if (perMetric) {
        throw badRequest("missing_metric", "metric is required when agg asks for " + PER_METRIC_AGGS);
      }
      return null;
    }
    if (!PingRules.isName(metric)) {
      throw badRequest("invalid_parameter", "metric must be a metric name: " + Names.NAME_RULE);
    }
    if (!perMetric) {
      throw badRequest("invalid_parameter", "metric is used only with a per-metric agg: " + PER_METRIC_AGGS);
    }
    return metric;
  }

  private static List<Field> groupBy(String text, Set<String> declared) {
    if (text == null) {
      return List.of();
    }
    String[] names = text.split(",", -1);
    if (names.length > MAX_GROUP_BY) {
      throw badRequest("too_many_group_by", "group_by takes at most " + MAX_GROUP_BY + " fields");
    }
    Set<Field> fields = new LinkedHashSet<>();
    for (String name : names) {
      Field field = field(name, declared);
      if (field == null) {
        throw badRequest("invalid_parameter", "group_by must list " + fieldRule(declared));
      }
      if (!fields.add(field)) {
        throw badRequest("invalid_parameter", "group_by lists a field more than once");
      }
    }
    return List.copyOf(fields);
  }

  private static Map<Field, Set<String>> filters(List<String> texts, Set<String> declared) {
    Map<Field, Set<String>> filters = new HashMap<>();
    for (String text : texts) {
      int eq = text.indexOf('=');
      Field field = eq < 0 ? null : field(text.substring(0, eq), declared);
      if (field == null) {
        throw badRequest("invalid_parameter", "filter must be field=value where field is " + fieldRule(declared));
      }
      String value = text.substring(eq + 1);
      if (value.length() > Names.MAX_VALUE) {
        throw badRequest("invalid_parameter", "a filter value is at most " + Names.MAX_VALUE + " characters");
      }
      filters.computeIfAbsent(field, f -> new HashSet<>()).add(value);
    }
    filters.replaceAll((field, values) -> Set.copyOf(values));
    return filters;
  }

  /** The field {@code name} writes, or null when it names none or an undeclared dimension. */
  private static Field field(String name, Set<String> declared) {
    Field field = Field.parse(name);
    if (field == null || (field.kind() == Field.Kind.DIMENSION && !declared.contains(field.dimension()))) {
      return null;
    }
    return field;
  }

  private static String fieldRule(Set<String> declared) {
    String keys = declared.isEmpty() ? "none are declared" : "declared: " + String.join(", ", new TreeSet<>(declared));
    return "version, deploy_type or dimension.<key> with a declared key (" + keys + ")";
  }

  private static boolean fill(String text) {
    if (text == null || text.equals("none")) {
      return false;
    }
    if (text.equals("zero")) {
      return true;
    }
    throw badRequest("invalid_parameter", "fill must be none or zero");
  }
}
