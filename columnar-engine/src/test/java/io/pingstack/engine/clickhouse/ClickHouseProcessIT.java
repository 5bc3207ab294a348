package io.pingstack.engine.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The test server is Debian's 18.16, opens only its two loopback ports, keeps rows over kill -9, and leaves nothing behind. */
class ClickHouseProcessIT {

  @Test
  void rowsSurviveKillNineAndARestartOnTheSamePorts() throws Exception {
    Path dataDir;
    long lastPid;
    try (ClickHouseProcess clickHouse = ClickHouseProcess.start()) {
      dataDir = clickHouse.dataDir();
      assertThat(clickHouse.query("SELECT version() FORMAT TabSeparated")).startsWith("18.16.");
      assertThat(clickHouse.logTail(200).lines().filter(l -> l.contains("Listening")))
          .as("listening sockets").hasSize(2)
          .anyMatch(l -> l.endsWith("Listening http://127.0.0.1:" + clickHouse.httpPort()))
          .anyMatch(l -> l.endsWith("Listening tcp: 127.0.0.1:" + clickHouse.tcpPort()));

      clickHouse.query("CREATE DATABASE pings_it");
      clickHouse.query("CREATE TABLE pings_it.pings (wal_position UInt64, instance_id String) ENGINE = MergeTree ORDER BY wal_position");
      clickHouse.query("INSERT INTO pings_it.pings VALUES (1, 'inst-1'), (2, 'inst-2'), (3, 'inst-1')");
      int httpPort = clickHouse.httpPort();
      long killedPid = clickHouse.pid();

      clickHouse.kill();
      assertThat(ProcessHandle.of(killedPid).filter(ProcessHandle::isAlive)).as("killed server").isEmpty();
      clickHouse.restart();

      assertThat(clickHouse.httpPort()).isEqualTo(httpPort);
      assertThat(clickHouse.pid()).isNotEqualTo(killedPid);
      assertThat(clickHouse.logTail(50)).as("a kill -9 leaves the status file behind").contains("unclean restart");
      assertThat(clickHouse.query("SELECT count(), uniqExact(instance_id) FROM pings_it.pings FORMAT TabSeparated"))
          .isEqualTo("3\t2\n");
      lastPid = clickHouse.pid();
    }
    assertThat(dataDir).doesNotExist();
    assertThat(ProcessHandle.of(lastPid).filter(ProcessHandle::isAlive)).as("closed server").isEmpty();
  }

  @Test
  void aRestartWaitsForItsPortAndIsNotFooledByAnotherServersPing() throws Exception {
    try (ClickHouseProcess clickHouse = ClickHouseProcess.start()) {
      clickHouse.kill();
      HttpServer impostor = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), clickHouse.httpPort()), 0);
      impostor.createContext("/", exchange -> {
        byte[] ok = "Ok.\n".getBytes(UTF_8);
        exchange.sendResponseHeaders(200, ok.length);
        exchange.getResponseBody().write(ok);
        exchange.close();
      });
      impostor.start();
      CompletableFuture<Void> restarted = CompletableFuture.runAsync(() -> {
        try {
          clickHouse.restart();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      try {
        assertThatThrownBy(() -> restarted.get(1, TimeUnit.SECONDS)).as("ready while another server holds the port")
            .isInstanceOf(TimeoutException.class);
      } finally {
        impostor.stop(0);
      }
      restarted.get(30, TimeUnit.SECONDS);
      assertThat(clickHouse.query("SELECT 1 FORMAT TabSeparated")).isEqualTo("1\n");
    }
  }

  @Test
  void aQueryErrorCarriesTheServersMessage() throws Exception {
    try (ClickHouseProcess clickHouse = ClickHouseProcess.start()) {
      assertThatThrownBy(() -> clickHouse.query("SELECT count() FROM pings_it.missing FORMAT TabSeparated"))
          .hasMessageContaining("answered 404")
          .hasMessageContaining("Database pings_it doesn't exist");
    }
  }

  @Test
  void anExtraUserNeedsItsPassword() throws Exception {
    String password = "s3cret & <ü>";
    try (ClickHouseProcess clickHouse = ClickHouseProcess.start(ClickHouseProcess.Options.defaults().withUser("pingstack", password))) {
      assertThat(clickHouse.queryAs("pingstack", password, "SELECT 1 FORMAT TabSeparated")).isEqualTo("1\n");
      assertThatThrownBy(() -> clickHouse.queryAs("pingstack", "s3cret", "SELECT 1"))
          .hasMessageContaining("Wrong password for user pingstack");
    }
  }
}
