package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.clickhouse.ClickHouseConnection.quote;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database to the shape {@link PingTable} defines for the configuration, and says what it
 * found. Each migration has a name, is recorded in {@code schema_migrations} once applied, and is
 * safe to run again (CREATE … IF NOT EXISTS; a column is added only when {@code system.columns}
 * lacks it: 18.16 has no ADD COLUMN IF NOT EXISTS), so a crash between applying and recording, or two
 * nodes starting together, does no harm. Declaring a dimension or metric later is one more migration.
 */
final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  /** What the sink writes and reads against, as found after migrating. */
  record Shape(ServerVersion server, boolean modernTable, int maxInsertRows) {
    /** Dedup tokens only help where the table keeps a deduplication window (a modern table on a modern server). */
    boolean dedupTokens() {
      return server.modern() && modernTable;
    }
  }

  private record Migration(String name, Runnable apply) {}

  private Migrations() {}

  static Shape apply(ClickHouseSql connection, ClickHouseConfig config) {
    String db = config.database();
    ServerVersion server = ServerVersion.parse(connection.query("SELECT version()", row -> row.string(1)).get(0));
    connection.execute("CREATE DATABASE IF NOT EXISTS " + db);
    connection.execute(PingTable.createMigrations(db));
    Set<String> applied = new HashSet<>(connection.query(
        "SELECT DISTINCT name FROM " + PingTable.qualified(db, PingTable.MIGRATIONS), row -> row.string(1)));
    boolean modern = server.modern();
    List<Migration> migrations = new ArrayList<>();
    migrations.add(new Migration("0001_create_pings", () -> connection.execute(PingTable.createPings(db, modern, config.retention()))));
    migrations.add(new Migration("0002_create_cold_inserts", () -> connection.execute(PingTable.createInserts(db))));
    migrations.add(new Migration("0003_create_pings_quarantine", () -> connection.execute(PingTable.createQuarantine(db))));
    List<PingTable.Column> declared = new ArrayList<>();
    config.dimensions().forEach(key -> declared.add(PingTable.dimension(key)));
    config.metrics().forEach(key -> declared.add(PingTable.metric(key)));
    for (PingTable.Column column : declared) {
      migrations.add(new Migration("add_column_" + column.name(), () -> {
        if (!columnTypes(connection, db).containsKey(column.name())) {
          connection.execute(PingTable.addColumn(db, column, modern));
        }
      }));
    }
    for (Migration migration : migrations) {
      if (applied.contains(migration.name())) {
        continue;
      }
      migration.apply().run();
      connection.execute("INSERT INTO " + PingTable.qualified(db, PingTable.MIGRATIONS) + " (name, applied_at, server_version) VALUES ("
          + quote(migration.name()) + ", now(), " + quote(server.text()) + ")");
      LOG.info("ClickHouse {}: applied migration {} on server {}", db, migration.name(), server);
    }
    Map<String, String> types = columnTypes(connection, db);
    for (String name : PingTable.columnNames(config)) {
      if (!types.containsKey(name)) {
        throw new IllegalStateException("ClickHouse table " + PingTable.qualified(db, PingTable.PINGS) + " lacks column " + name
            + " although its migration is recorded in " + PingTable.qualified(db, PingTable.MIGRATIONS)
            + ": delete that migration's row there and restart to add it again");
      }
    }
    boolean modernTable = types.get("timestamp").startsWith("DateTime64");
    int serverMax = connection.query("SELECT value FROM system.settings WHERE name = 'max_insert_block_size'",
        row -> Integer.parseInt(row.string(1))).stream().findFirst().orElse(Integer.MAX_VALUE);
    int maxInsertRows = Math.min(config.maxInsertRows(), serverMax);
    if (maxInsertRows < config.maxInsertRows()) {
      LOG.warn("ClickHouse max_insert_block_size is {}: inserts are kept to {} rows (clickhouse.max_insert_rows is {})",
          serverMax, maxInsertRows, config.maxInsertRows());
    }
    return new Shape(server, modernTable, maxInsertRows);
  }

  private static Map<String, String> columnTypes(ClickHouseSql connection, String db) {
    Map<String, String> types = new HashMap<>();
    connection.query("SELECT name, type FROM system.columns WHERE database = " + quote(db) + " AND table = " + quote(PingTable.PINGS),
        row -> types.put(row.string(1), row.string(2)));
    return types;
  }
}
