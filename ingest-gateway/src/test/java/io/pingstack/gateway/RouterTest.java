package io.pingstack.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final HttpEndpoint list = call -> CompletableFuture.completedFuture(HttpReply.noContent());
  private final HttpEndpoint one = call -> CompletableFuture.completedFuture(HttpReply.noContent());
  private final HttpEndpoint deeper = call -> CompletableFuture.completedFuture(HttpReply.noContent());
  private final HttpEndpoint dashboard = call -> CompletableFuture.completedFuture(HttpReply.noContent());
  private final Router router = new Router(Map.of(
      "/", dashboard,
      "/admin/replay", list,
      "/admin/replay/", one,
      "/admin/replay/x/", deeper,
      "/admin/wal", list));

  @Test
  void anExactPathIsServedByItsOwnRoute() {
    assertThat(router.route("/admin/replay")).isSameAs(list);
    assertThat(router.metricRoute("/admin/replay")).isEqualTo("/admin/replay");
  }

  @Test
  void aPathUnderARouteEndingWithASlashIsServedByItAndCountedUnderIt() {
    assertThat(router.route("/admin/replay/3f9a1c07")).isSameAs(one);
    assertThat(router.route("/admin/replay/")).isSameAs(one);
    assertThat(router.metricRoute("/admin/replay/3f9a1c07")).isEqualTo("/admin/replay/");
  }

  @Test
  void theLongestPrefixWins() {
    assertThat(router.route("/admin/replay/x/1")).isSameAs(deeper);
    assertThat(router.metricRoute("/admin/replay/x/1")).isEqualTo("/admin/replay/x/");
  }

  @Test
  void aPathUnderARouteWithoutATrailingSlashIsUnknown() {
    assertThat(router.route("/admin/wal/files")).isNull();
    assertThat(router.route("/admin/replayed")).isNull();
    assertThat(router.metricRoute("/admin/wal/files")).isEqualTo("other");
  }

  /** The dashboard's {@code /} is a page, not a prefix: unknown paths stay 404 (found by SourcegraphUpdateCheckIT). */
  @Test
  void theRootServesOnlyItself() {
    assertThat(router.route("/")).isSameAs(dashboard);
    assertThat(router.route("/updates")).isNull();
    assertThat(router.route("/no/such/page")).isNull();
    assertThat(router.metricRoute("/no/such/page")).isEqualTo("other");
  }
}
