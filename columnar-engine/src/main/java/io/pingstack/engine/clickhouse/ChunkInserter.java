package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.clickhouse.ClickHouseConnection.quote;

import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts {@link RowChunks.Chunk}s into {@code pings}, one INSERT per chunk (one day, whole WAL
 * records, under {@code max_insert_block_size}: all or nothing), its rows sent in the table's key
 * order ({@link RowOrder}) so that the server need not sort them. When ClickHouse refuses the data
 * itself ({@link ClickHouseFailure#rejectsData()}), the chunk is bisected: halves go in WAL order,
 * down to single rows, and a row refused alone goes to {@code pings_quarantine} with its WAL position
 * and the server's error. More than {@code maxQuarantined} such rows since {@link #startGroup()} is not
 * a poison row but a table that refuses everything: {@link IllegalStateException}.
 *
 * <p>Each INSERT carries a deduplication token when {@code tokenPrefix} is not null (modern tables):
 * the prefix, then day, WAL range, row range and a CRC of the exact bytes. The live path and each
 * replay use prefixes of their own. One inserter per thread.
 */
final class ChunkInserter {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkInserter.class);

  private final ClickHouseSql connection;
  private final ClickHouseConfig config;
  private final ClickHouseMetrics metrics;
  private final List<String> columns;
  private final String tokenPrefix;
  private final int maxQuarantined;
  private int quarantined;

  ChunkInserter(ClickHouseSql connection, ClickHouseConfig config, ClickHouseMetrics metrics, List<String> columns,
      String tokenPrefix, int maxQuarantined) {
    this.connection = connection;
    this.config = config;
    this.metrics = metrics;
    this.columns = columns;
    this.tokenPrefix = tokenPrefix;
    this.maxQuarantined = maxQuarantined;
  }

  /** Starts counting quarantined rows against the limit afresh. */
  void startGroup() {
    quarantined = 0;
  }

  /** Rows quarantined since {@link #startGroup()}. */
  int quarantined() {
    return quarantined;
  }

  /** Inserts every row of {@code chunk}; the rows ClickHouse refuses go to the quarantine. */
  void insert(RowChunks.Chunk chunk) {
    insert(chunk, 0, chunk.rows);
  }

  /**
   * Inserts rows {@code from} to {@code to} of {@code chunk}; when ClickHouse refuses the data, splits
   * the range in two and tries each half, down to single rows: a row refused alone goes to the
   * quarantine. Halves go in WAL order, so each day's stored rows stay a prefix.
   */
  private void insert(RowChunks.Chunk chunk, int from, int to) {
    int length = chunk.offset(to) - chunk.offset(from);
    try {
      connection.insertRowBinary(PingTable.PINGS, columns, RowOrder.stream(chunk, RowOrder.of(chunk, from, to)), length,
          tokenPrefix == null ? null : token(chunk, from, to));
    } catch (ClickHouseFailure failure) {
      metrics.insertFailed(failure.reason());
      if (!failure.rejectsData()) {
        throw failure;
      }
      if (to - from == 1) {
        quarantine(chunk, from, failure);
        return;
      }
      int middle = (from + to) >>> 1;
      LOG.warn("ClickHouse refused {} rows of WAL {}–{} (day {}): {}; bisecting to find the rows it refuses", to - from,
          chunk.firstPosition, chunk.lastPosition, LocalDate.ofEpochDay(chunk.day), failure.getMessage());
      insert(chunk, from, middle);
      insert(chunk, middle, to);
    }
  }

  /**
   * The prefix, day, WAL range and a checksum of the exact rows (as encoded, in WAL order; they are
   * sent in key order, which the same rows always have): the same token only for the same rows.
   */
  private String token(RowChunks.Chunk chunk, int from, int to) {
    CRC32 crc = new CRC32();
    int offset = chunk.offset(from);
    crc.update(chunk.array(), offset, chunk.offset(to) - offset);
    return tokenPrefix + ":" + LocalDate.ofEpochDay(chunk.day) + ":" + chunk.firstPosition + "-" + chunk.lastPosition + ":" + from
        + "-" + to + ":" + Long.toHexString(crc.getValue());
  }

  private void quarantine(RowChunks.Chunk chunk, int row, ClickHouseFailure failure) {
    if (++quarantined > maxQuarantined) {
      // Not a poison row but a table that refuses everything (a constraint, a changed column):
      // stop and let the lag rise until someone looks, rather than move every ping aside.
      throw new IllegalStateException("ClickHouse refuses more than " + maxQuarantined + " rows of one group ("
          + failure.getMessage() + "); inserting is stopped until the table takes them again");
    }
    int offset = chunk.offset(row);
    int length = chunk.offset(row + 1) - offset;
    RowChunks.RowKey key = RowChunks.RowKey.read(chunk.array(), offset);
    byte[] encoded = new byte[length];
    System.arraycopy(chunk.array(), offset, encoded, 0, length);
    connection.execute("INSERT INTO " + PingTable.qualified(config.database(), PingTable.QUARANTINE)
        + " (ingest_node, wal_position, instance_id, ping_id, error, row_base64, quarantined_at) VALUES (" + quote(config.node())
        + ", " + key.walPosition() + ", " + quote(key.instanceId()) + ", " + quote(key.pingId()) + ", "
        + quote(failure.getMessage()) + ", " + quote(Base64.getEncoder().encodeToString(encoded)) + ", now())");
    metrics.quarantined(1);
    LOG.error("ClickHouse refuses the ping {} of instance {} (WAL position {}): moved to {}.{} with the server's error: {}",
        key.pingId(), key.instanceId(), key.walPosition(), config.database(), PingTable.QUARANTINE, failure.getMessage());
  }
}
