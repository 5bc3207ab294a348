package io.pingstack.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DashboardTest {
  private final Calls.Answer page = Calls.answer(
      QueryService.endpoints(new FakeRollupReader(), QueryConfig.defaults(), new QueryLatency()).get("/"),
      Calls.get("/?from=bookmark"));

  @Test
  void pageIsHtmlThatUsesTheQueryEndpoints() {
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).isEqualTo("text/html; charset=utf-8");
    assertThat(page.body()).startsWith("<!DOCTYPE html>")
        .contains("/v1/events", "/v1/rollups", "Authorization", "error.message", "svg(\"svg\"", "svg(\"polyline\"");
  }

  @Test
  void pageContactsNoOtherHost() {
    Matcher urls = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+").matcher(page.body());
    while (urls.find()) {
      assertThat(urls.group()).as("the only URL is the SVG namespace, an identifier").isEqualTo("http://www.w3.org");
      assertThat(page.body().substring(urls.start())).startsWith("http://www.w3.org/2000/svg\"");
    }
    assertThat(page.body()).doesNotContain("<link", " src=", "@import", "url(")
        .contains("connect-src 'self'", "default-src 'none'");
  }
}
