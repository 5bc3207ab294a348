package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SourcegraphVersionTest {
  private static SourcegraphVersion v(String text) {
    SourcegraphVersion version = SourcegraphVersion.parse(text);
    assertThat(version).as(text).isNotNull();
    return version;
  }

  @Test
  void releasesCompareByNumbersNotText() {
    assertThat(v("5.3.3")).isGreaterThan(v("5.2.7")).isLessThan(v("5.10.0")).isLessThan(v("6.0.0"));
    assertThat(v("v5.2.7")).isEqualByComparingTo(v("5.2.7"));
    assertThat(v("3.12.6")).isLessThan(v("5.2.4"));
    assertThat(v("5.3.03")).as("leading zeros, as Sourcegraph's server accepts them").isEqualByComparingTo(v("5.3.3"));
  }

  @Test
  void preReleasesRankBelowTheirReleaseAndBuildMetadataIsIgnored() {
    assertThat(v("5.3.0-rc.1")).isLessThan(v("5.3.0")).isGreaterThan(v("5.2.9"));
    assertThat(v("5.3.0-rc.2")).isLessThan(v("5.3.0-rc.10")).isLessThan(v("5.3.0-rc.10.1"));
    assertThat(v("5.3.0-1")).as("numeric identifiers below alphanumeric ones").isLessThan(v("5.3.0-alpha"));
    assertThat(v("5.3.0+build.7")).isEqualByComparingTo(v("5.3.0"));
  }

  @Test
  void devAndDateBuildsAreNotVersions() {
    for (String text : List.of("dev", "", "19272_2018-08-01_f7dec47", "5.3", "5.3.3.1", "five", "5.3.3-", "0.0.0+", "1.2.3 ")) {
      assertThat(SourcegraphVersion.parse(text)).as(text).isNull();
    }
  }

  @Test
  void configuredUpdateVersionMustBeAVersionAndHashingNeedsAKey() {
    assertThat(new SourcegraphConfig(true, "v5.3.3", SourcegraphConfig.InitAdmin.DROP, null).updateVersion()).isEqualTo("5.3.3");
    assertThatThrownBy(() -> new SourcegraphConfig(true, "latest", SourcegraphConfig.InitAdmin.DROP, null))
        .hasMessageContaining("sourcegraph.update_version");
    assertThatThrownBy(() -> new SourcegraphConfig(true, "", SourcegraphConfig.InitAdmin.HASH, ""))
        .hasMessageContaining("sourcegraph.init_admin_hash_key_file");
    assertThatThrownBy(() -> new SourcegraphConfig(true, "", SourcegraphConfig.InitAdmin.DROP, "key"))
        .hasMessageContaining("sourcegraph.init_admin is drop");
    assertThat(new SourcegraphConfig(true, "", SourcegraphConfig.InitAdmin.HASH, "s3cret").toString()).doesNotContain("s3cret");
  }
}
