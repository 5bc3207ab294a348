package io.pingstack.engine.clickhouse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The config.xml and users.xml of one test server (18.16 syntax, root element {@code <yandex>}).
 *
 * <p>Only the ports written here are opened: 18.16 opens https, secure tcp and interserver ports
 * only when their keys are present. {@code listen_reuse_port} stays off, so two servers can never
 * share a port silently. 18.16 refuses to start without {@code mark_cache_size}.
 */
final class ClickHouseServerXml {
  private ClickHouseServerXml() {}

  static String server(Path root, int httpPort, int tcpPort, String displayName) {
    Path data = root.resolve("data");
    Path log = root.resolve("log");
    return """
        <?xml version="1.0"?>
        <yandex>
          <logger>
            <level>information</level>
            <log>%s</log>
            <errorlog>%s</errorlog>
            <console>0</console>
          </logger>
          <display_name>%s</display_name>
          <listen_host>127.0.0.1</listen_host>
          <http_port>%d</http_port>
          <tcp_port>%d</tcp_port>
          <path>%s/</path>
          <tmp_path>%s/</tmp_path>
          <user_files_path>%s/</user_files_path>
          <format_schema_path>%s/</format_schema_path>
          <users_config>%s</users_config>
          <default_profile>default</default_profile>
          <default_database>default</default_database>
          <mark_cache_size>67108864</mark_cache_size>
        </yandex>
        """.formatted(
            xml(log.resolve("clickhouse-server.log")), xml(log.resolve("clickhouse-server.err.log")),
            xml(displayName), httpPort, tcpPort,
            xml(data), xml(data.resolve("tmp")), xml(data.resolve("user_files")), xml(data.resolve("format_schemas")),
            xml(root.resolve("users.xml")));
  }

  /** User {@code default} without a password, plus {@code users} (name to password); all from 127.0.0.1 only. */
  static String users(Map<String, String> users) {
    StringBuilder entries = new StringBuilder(user("default", "<password></password>"));
    users.forEach((name, password) -> entries.append(user(name, "<password_sha256_hex>" + sha256Hex(password) + "</password_sha256_hex>")));
    return """
        <?xml version="1.0"?>
        <yandex>
          <profiles><default/></profiles>
          <users>
        %s  </users>
          <quotas><default/></quotas>
        </yandex>
        """.formatted(entries);
  }

  private static String user(String name, String password) {
    return """
            <%1$s>
              %2$s
              <networks><ip>127.0.0.1</ip></networks>
              <profile>default</profile>
              <quota>default</quota>
            </%1$s>
        """.formatted(name, password);
  }

  private static String sha256Hex(String password) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }

  private static String xml(Object text) {
    return text.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
