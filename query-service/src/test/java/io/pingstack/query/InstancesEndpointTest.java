package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.InstancesSummary;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstancesEndpointTest {
  private final FakeRollupReader reader = new FakeRollupReader();
  private final HttpEndpoint instances =
      QueryService.endpoints(reader, QueryConfig.defaults(), new QueryLatency()).get("/v1/instances");

  private Calls.Answer get(String uri) {
    return Calls.answer(instances, Calls.get(uri));
  }

  @Test
  void countsInstancesActiveSinceWithoutGroups() {
    reader.instances = new InstancesSummary(42, List.of());

    Calls.Answer answer = get("/v1/instances?active_since=2026-11-20T12:00:00%2B01:00");

    assertThat(answer.body()).isEqualTo("{\"active_since\":\"2026-11-20T11:00:00Z\",\"instances\":42}");
    assertThat(reader.activeSinceAsked).containsExactly(Instant.parse("2026-11-20T11:00:00Z").toEpochMilli());
    assertThat(reader.instancesGroupByAsked).containsExactly((Field) null);
  }

  @Test
  void groupsAreKeyedByTheGroupByFieldsName() {
    reader.instances = new InstancesSummary(15, List.of(
        new InstancesSummary.Group("5.3.0", 12), new InstancesSummary.Group("5.2.1", 3)));

    Calls.Answer byVersion = get("/v1/instances?active_since=1795000000000&group_by=version");
    Calls.Answer byDeployType = get("/v1/instances?active_since=1795000000000&group_by=deploy_type");

    assertThat(byVersion.body()).isEqualTo("{\"active_since\":\"2026-11-18T11:06:40Z\",\"instances\":15,\"groups\":["
        + "{\"version\":\"5.3.0\",\"instances\":12},{\"version\":\"5.2.1\",\"instances\":3}]}");
    assertThat(byDeployType.body()).contains("{\"deploy_type\":\"5.3.0\",\"instances\":12}");
    assertThat(reader.instancesGroupByAsked).containsExactly(Field.VERSION, Field.DEPLOY_TYPE);
  }

  @Test
  void activeSinceIsRequiredAndMustBeATime() {
    Calls.Answer missing = get("/v1/instances?group_by=version");
    Calls.Answer invalid = get("/v1/instances?active_since=lastweekZZ");

    assertThat(missing.code()).isEqualTo("missing_parameter");
    assertThat(missing.message()).startsWith("active_since ");
    assertThat(invalid.code()).isEqualTo("invalid_time");
    assertThat(invalid.message()).startsWith("active_since ").doesNotContain("ZZ");
    assertThat(reader.activeSinceAsked).isEmpty();
  }

  @Test
  void groupByTakesOnlyVersionOrDeployTypeAndOtherParametersAreUnknown() {
    Calls.Answer dimension = get("/v1/instances?active_since=0&group_by=dimension.region");
    Calls.Answer unknown = get("/v1/instances?active_since=0&event=a");
    Calls.Answer repeated = get("/v1/instances?active_since=0&active_since=1");

    assertThat(dimension.code()).isEqualTo("invalid_parameter");
    assertThat(dimension.message()).startsWith("group_by ").doesNotContain("region");
    assertThat(unknown.code()).isEqualTo("unknown_parameter");
    assertThat(repeated.code()).isEqualTo("repeated_parameter");
  }
}
