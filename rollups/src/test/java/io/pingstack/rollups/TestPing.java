package io.pingstack.rollups;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A ping for tests: {@code TestPing.of("search.executed", "inst-1", t).version("5.3.0").metric("latency", 12)}. */
final class TestPing implements PingView {
  final String event;
  final String instance;
  final long t;
  String version = "";
  String deployType = "";
  long walPosition;
  final List<String> metricNames = new ArrayList<>();
  final List<Double> metricValues = new ArrayList<>();
  final Map<String, String> dimensions = new LinkedHashMap<>();

  private TestPing(String event, String instance, long t) {
    this.event = event;
    this.instance = instance;
    this.t = t;
  }

  static TestPing of(String event, String instance, long t) {
    return new TestPing(event, instance, t);
  }

  TestPing version(String value) {
    version = value;
    return this;
  }

  TestPing walPosition(long value) {
    walPosition = value;
    return this;
  }

  TestPing deployType(String value) {
    deployType = value;
    return this;
  }

  TestPing metric(String name, double value) {
    metricNames.add(name);
    metricValues.add(value);
    return this;
  }

  TestPing dimension(String key, String value) {
    dimensions.put(key, value);
    return this;
  }

  /** The value of metric {@code name}, or null when the ping does not carry it. */
  Double metric(String name) {
    int i = metricNames.indexOf(name);
    return i < 0 ? null : metricValues.get(i);
  }

  /** The value of a group_by or filter field, {@code ""} when the ping does not have it. */
  String field(Field field) {
    return switch (field.kind()) {
      case VERSION -> version;
      case DEPLOY_TYPE -> deployType;
      case DIMENSION -> dimensions.getOrDefault(field.dimension(), "");
    };
  }

  @Override
  public long walPosition() {
    return walPosition;
  }

  @Override
  public String event() {
    return event;
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public String deployType() {
    return deployType;
  }

  @Override
  public String instanceId() {
    return instance;
  }

  @Override
  public long timestampMillis() {
    return t;
  }

  @Override
  public int metricCount() {
    return metricNames.size();
  }

  @Override
  public String metricName(int i) {
    return metricNames.get(i);
  }

  @Override
  public double metricValue(int i) {
    return metricValues.get(i);
  }

  @Override
  public String dimension(String key) {
    return dimensions.get(key);
  }

  @Override
  public int dimensionCount() {
    return dimensions.size();
  }

  @Override
  public String dimensionKey(int i) {
    return new ArrayList<>(dimensions.keySet()).get(i);
  }
}
