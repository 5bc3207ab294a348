package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.clickhouse.ClickHouseConnection.quote;

import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.ReplayException;
import io.pingstack.engine.ReplayLog;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.engine.ReplayOutcome;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replay of WAL records {@code [from, last]} into {@code pings} for this node, on the replay's
 * thread, with a connection, rows and inserter of its own (the store's live state is never touched;
 * see {@link ClickHouseColdStore} for the thread rules).
 *
 * <p><b>Writes only what the table lacks.</b> For each batch of records it reads which of their rows
 * {@code pings} holds (WAL position, instance, ping id and event time, counted: a record may repeat a
 * ping) and which {@code pings_quarantine} holds (a quarantined row is not lacking), and encodes only
 * the others ({@link RowChunks}: one day and at most {@code max_insert_rows} per INSERT). Rows the
 * server refuses now are bisected into the quarantine as the live path does ({@link ChunkInserter});
 * more than {@link ClickHouseColdStore#MAX_QUARANTINED_PER_FLUSH} fail the replay.
 *
 * <p><b>Deduplication tokens</b> (modern tables): every INSERT gets {@code pingstack-replay:<uuid of
 * this replay>:<node>:<day>:<WAL range>:<rows>:<crc>}. A plain MergeTree with
 * {@code non_replicated_deduplication_window} deduplicates by token, or by a hash of the bytes when
 * there is none, and a {@code DELETE} mutation does not forget either: a replay that reused the live
 * path's tokens, or sent none, would see its re-insert after a rebuild's delete (or after a second
 * loss of the same rows) silently dropped. A token unique to each replay can never match an earlier
 * block, so it only names the block; exactly once comes from the presence query, as for the live
 * path it comes from its resume.
 *
 * <p><b>Rebuild</b> deletes the node's rows of {@code [from, last]} before the live path's last
 * group ({@code ALTER TABLE … DELETE}, waited for in {@code system.mutations}: the presence query
 * must not see rows the mutation is about to remove), then writes what is lacking as above. A crash
 * in between leaves rows lacking, which the next replay writes.
 */
final class ClickHouseReplay {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseReplay.class);
  /** Beyond this many days in one batch the presence query scans every partition instead of naming them. */
  private static final int MAX_DAYS_PER_QUERY = 31;
  private static final long MUTATION_WAIT_MILLIS = 30 * 60_000L;

  /** What the replay needs of the live path of the same store. */
  interface LivePath {
    /** Rows of records before this position are never inserted by the live path again. Only grows. */
    long revisitFrom();

    /**
     * Runs {@code work} while the live path cannot resume, with the first position the live path may
     * insert rows of until its next resume ({@link Long#MAX_VALUE} when only after its durable position).
     */
    void whileNotResuming(LongConsumer work);
  }

  /** A row of {@code pings}: one WAL record may hold the same ping twice, so these are counted. */
  private record RowId(long position, String instanceId, String pingId, long timestampMicros) {}

  /** Per day: rows lacking (dry run: that would be written), written, refused, and their WAL range. */
  private static final class Day {
    long lacking;
    long written;
    long refused;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
  }

  private final ClickHouseSql sql;
  private final ClickHouseConfig config;
  private final Migrations.Shape shape;
  private final LivePath live;
  private final ReplayOptions options;
  private final String pings;
  private final String node;
  private final RowChunks chunks;
  private final ChunkInserter inserter;
  private final TreeMap<Long, Day> days = new TreeMap<>();
  /** Rebuild: the rows of records up to here are deleted first (a dry run counts them as lacking). */
  private long deletedUpTo = Long.MIN_VALUE;
  private long rowsRead;
  private long rowsPresent;
  private long rowsQuarantined;
  private long rowsDeleted;
  private long rowsLeftToLive;

  ClickHouseReplay(ClickHouseSql sql, ClickHouseConfig config, Migrations.Shape shape, ClickHouseMetrics metrics, LivePath live,
      ReplayOptions options) {
    this.sql = sql;
    this.config = config;
    this.shape = shape;
    this.live = live;
    this.options = options;
    this.pings = PingTable.qualified(config.database(), PingTable.PINGS);
    this.node = quote(config.node());
    this.chunks = new RowChunks(shape.maxInsertRows(), config.dimensions(), config.metrics());
    String tokens = shape.dedupTokens() ? "pingstack-replay:" + UUID.randomUUID() + ":" + config.node() : null;
    this.inserter = new ChunkInserter(sql, config, metrics, PingTable.columnNames(config), tokens,
        ClickHouseColdStore.MAX_QUARANTINED_PER_FLUSH);
  }

  /** Replays {@code [from, last]}; {@code last} is at most the store's durable position. */
  ReplayOutcome run(ReplayLog log, long from, long last, long requestedTo) {
    if (options.rebuild()) {
      deletedUpTo = Math.min(last, live.revisitFrom() - 1);
      if (deletedUpTo >= from) {
        rowsDeleted = delete(from, deletedUpTo);
      }
    }
    long records = log.read(from, last, this::replay);
    insertBuffered();
    days.forEach((day, d) -> {
      if (d.lacking > 0) {
        LOG.info("replay of WAL {}–{} into ClickHouse {} (node {}): day {}: {} {} rows of WAL {}–{}{}", from, last, pings,
            config.node(), LocalDate.ofEpochDay(day), options.dryRun() ? "would write" : "wrote", options.dryRun() ? d.lacking : d.written,
            d.first, d.last, d.refused > 0 ? ", " + d.refused + " refused and quarantined" : "");
      }
    });
    return outcome(from, last, requestedTo, records);
  }

  /** One batch: what the table lacks is written now or buffered, as the live path allows. */
  private void replay(ColumnBatch batch) {
    rowsRead += batch.rowCount();
    if (options.dryRun() || batch.lastPosition() < live.revisitFrom()) {
      // Records the live path never inserts again: no need to hold its resume.
      classify(batch, Long.MAX_VALUE);
      if (chunks.rows() >= shape.maxInsertRows() || chunks.bytes() >= config.maxBufferBytes()) {
        insertBuffered();
      }
      return;
    }
    // Records of the live path's last group: a resume of the live path re-reads what ClickHouse
    // holds of them and writes what it finds lacking, so this batch is read and written while no
    // resume can run, and skips what a resume since has claimed.
    insertBuffered();
    live.whileNotResuming(liveFrom -> {
      classify(batch, liveFrom);
      insertBuffered();
    });
  }

  /** Encodes the rows of {@code batch} (before {@code liveFrom}) that neither table holds. */
  private void classify(ColumnBatch batch, long liveFrom) {
    int rows = batch.rowCount();
    if (rows == 0) {
      return;
    }
    TreeSet<Long> batchDays = new TreeSet<>();
    for (int row = 0; row < rows; row++) {
      batchDays.add(RowChunks.dayOf(batch.timestampMicros(row)));
    }
    long upTo = Math.min(batch.lastPosition(), liveFrom - 1);
    Map<RowId, Integer> present = upTo < batch.firstPosition() ? Map.of() : present(batch.firstPosition(), upTo, batchDays, rows);
    Set<RowChunks.RowKey> quarantined = upTo < batch.firstPosition() ? Set.of() : quarantined(batch.firstPosition(), upTo, rows);
    int row = 0;
    while (row < rows) {
      long position = batch.walPosition(row);
      int end = batch.recordEnd(row);
      for (int r = row; r < end; r++) {
        if (position >= liveFrom) {
          rowsLeftToLive++;
          continue;
        }
        String instanceId = batch.instanceId(r);
        String pingId = batch.pingId(r);
        long micros = batch.timestampMicros(r);
        boolean deletedFirst = options.dryRun() && position <= deletedUpTo;
        if (!deletedFirst && take(present, new RowId(position, instanceId, pingId, micros))) {
          rowsPresent++;
          continue;
        }
        if (quarantined.contains(new RowChunks.RowKey(position, instanceId, pingId))) {
          rowsQuarantined++;
          continue;
        }
        long dayNumber = RowChunks.dayOf(micros);
        Day day = days.computeIfAbsent(dayNumber, d -> new Day());
        day.lacking++;
        day.first = Math.min(day.first, position);
        day.last = Math.max(day.last, position);
        if (!options.dryRun()) {
          chunks.write(chunks.chunkFor(dayNumber, position, end - row), batch, r);
        }
      }
      row = end;
    }
  }

  private static boolean take(Map<RowId, Integer> present, RowId id) {
    Integer count = present.get(id);
    if (count == null) {
      return false;
    }
    if (count == 1) {
      present.remove(id);
    } else {
      present.put(id, count - 1);
    }
    return true;
  }

  /** The node's rows of records {@code [first, last]} in {@code pings}, counted, looked for in the partitions of {@code batchDays}. */
  private Map<RowId, Integer> present(long first, long last, Set<Long> batchDays, int batchRows) {
    String partitions = "";
    if (batchDays.size() <= MAX_DAYS_PER_QUERY) {
      partitions = batchDays.stream()
          .map(d -> PingTable.timeRange(shape.modernTable(), d * RowChunks.MICROS_PER_DAY, (d + 1) * RowChunks.MICROS_PER_DAY))
          .collect(Collectors.joining(") OR (", " AND ((", "))"));
    }
    Map<RowId, Integer> present = new HashMap<>();
    sql.query("SELECT wal_position, instance_id, ping_id, " + PingTable.micros(shape.modernTable(), "timestamp") + " FROM " + pings
        + " WHERE ingest_node = " + node + " AND wal_position >= " + first + " AND wal_position <= " + last + partitions
        + oneBlock(batchRows),
        row -> present.merge(new RowId(checked(row.int64(1), first, last), text(row.string(2)), text(row.string(3)), row.int64(4)), 1,
            Integer::sum));
    return present;
  }

  /** The node's quarantined rows of records {@code [first, last]}. */
  private Set<RowChunks.RowKey> quarantined(long first, long last, int batchRows) {
    Set<RowChunks.RowKey> keys = new HashSet<>();
    sql.query("SELECT DISTINCT wal_position, instance_id, ping_id FROM " + PingTable.qualified(config.database(), PingTable.QUARANTINE)
        + " WHERE ingest_node = " + node + " AND wal_position >= " + first + " AND wal_position <= " + last + oneBlock(batchRows),
        row -> keys.add(new RowChunks.RowKey(checked(row.int64(1), first, last), text(row.string(2)), text(row.string(3)))));
    return keys;
  }

  /**
   * Sorted in one block ({@link ClickHouseConnection#sortedInOneBlock}): a batch's records hold
   * {@code batchRows} rows, all either query can find unless rows are stored more than once.
   */
  private static String oneBlock(int batchRows) {
    return ClickHouseConnection.sortedInOneBlock("wal_position", 4L * batchRows);
  }

  /** A position read back, checked against the range asked for: a misread row fails the replay rather than pass for a lacking one. */
  private static long checked(long position, long first, long last) {
    if (position < first || position > last) {
      throw new IllegalStateException("ClickHouse's answer holds WAL position " + position + " outside " + first + "–" + last
          + ": the client misread it; nothing was written for these records");
    }
    return position;
  }

  private static String text(String value) {
    if (value == null) {
      throw new IllegalStateException("ClickHouse's answer holds a null id: the client misread it; nothing was written for these records");
    }
    return value;
  }

  /** Inserts the encoded rows, day by day, each day's chunks in WAL order. */
  private void insertBuffered() {
    if (chunks.isEmpty()) {
      return;
    }
    for (List<RowChunks.Chunk> dayChunks : chunks.days().values()) {
      for (RowChunks.Chunk chunk : dayChunks) {
        int refusedBefore = inserter.quarantined();
        try {
          inserter.insert(chunk);
        } catch (IllegalStateException e) {
          throw new ReplayException("cannot replay into ClickHouse " + pings + ": " + e.getMessage()
              + "; look at " + PingTable.QUARANTINE + ", then run the replay again", e);
        }
        int refused = inserter.quarantined() - refusedBefore;
        Day day = days.get(chunk.day);
        day.refused += refused;
        day.written += chunk.rows - refused;
      }
    }
    chunks.clear();
  }

  /** Deletes the node's rows of records {@code [from, upTo]} (dry run: counts them) and waits until they are gone. */
  private long delete(long from, long upTo) {
    String where = "ingest_node = " + node + " AND wal_position >= " + from + " AND wal_position <= " + upTo;
    long rows = count(where);
    if (options.dryRun() || rows == 0) {
      return rows;
    }
    String mutations = "FROM system.mutations WHERE database = " + quote(config.database()) + " AND table = " + quote(PingTable.PINGS);
    Set<String> before = new HashSet<>(sql.query("SELECT mutation_id " + mutations, row -> row.string(1)));
    sql.execute("ALTER TABLE " + pings + " DELETE WHERE " + where);
    // 18.16 has no latest_fail_reason; a failing mutation there shows as not done until the wait ends.
    String failure = shape.server().modern() ? "latest_fail_reason" : "''";
    long deadline = System.currentTimeMillis() + MUTATION_WAIT_MILLIS;
    long pause = 20;
    while (true) {
      List<String[]> ours = sql.query("SELECT mutation_id, toString(is_done), " + failure + " " + mutations,
          row -> new String[] {row.string(1), row.string(2), row.string(3)}).stream().filter(m -> !before.contains(m[0])).toList();
      if (ours.stream().allMatch(m -> m[1].equals("1"))) {
        break;
      }
      for (String[] m : ours) {
        if (!m[2].isEmpty()) {
          throw new ReplayException("ClickHouse cannot delete the rows of WAL " + from + "–" + upTo + " from " + pings + " (mutation "
              + m[0] + "): " + m[2] + "; it stays queued until KILL MUTATION WHERE mutation_id = '" + m[0] + "'");
        }
      }
      if (System.currentTimeMillis() > deadline) {
        throw new ReplayException("the delete of WAL " + from + "–" + upTo + " from " + pings + " has not finished after "
            + MUTATION_WAIT_MILLIS / 60_000 + " minutes (system.mutations); run the replay again once it has");
      }
      sleep(pause);
      pause = Math.min(500, pause * 2);
    }
    long left = count(where);
    if (left != 0) {
      throw new ReplayException(left + " rows of WAL " + from + "–" + upTo + " are still in " + pings
          + " after their delete finished; run the replay again");
    }
    LOG.info("replay (rebuild) deleted {} rows of WAL {}–{} of node {} from ClickHouse {}", rows, from, upTo, config.node(), pings);
    return rows;
  }

  private long count(String where) {
    return sql.query("SELECT count() FROM " + pings + " WHERE " + where, row -> row.int64(1)).get(0);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayException("interrupted while waiting for a ClickHouse delete", e);
    }
  }

  private ReplayOutcome outcome(long from, long last, long requestedTo, long records) {
    long lacking = 0;
    long written = 0;
    long refused = 0;
    Map<String, Long> perDay = new LinkedHashMap<>();
    for (Map.Entry<Long, Day> e : days.entrySet()) {
      lacking += e.getValue().lacking;
      written += e.getValue().written;
      refused += e.getValue().refused;
      perDay.put("rows_lacking_" + LocalDate.ofEpochDay(e.getKey()), e.getValue().lacking);
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("records_read", records);
    counts.put("rows_read", rowsRead);
    counts.put("rows_present", rowsPresent);
    counts.put("rows_quarantined", rowsQuarantined);
    counts.put("rows_lacking", lacking);
    counts.put("rows_written", written);
    counts.put("rows_refused", refused);
    counts.put("rows_deleted", rowsDeleted);
    counts.put("rows_left_to_live", rowsLeftToLive);
    counts.put("days", (long) days.size());
    counts.put("last_position", last);
    counts.putAll(perDay);
    String dayList = days.entrySet().stream().map(e -> LocalDate.ofEpochDay(e.getKey()) + ": " + e.getValue().lacking)
        .collect(Collectors.joining(", ", " (", ")"));
    StringBuilder summary = new StringBuilder(options.dryRun() ? "dry run, nothing changed: " : "")
        .append(options.rebuild() ? "rebuild of " : "").append("WAL ").append(from).append('–').append(last).append(" (")
        .append(records).append(" records, ").append(rowsRead).append(" rows): ");
    if (options.rebuild()) {
      summary.append(rowsDeleted).append(options.dryRun() ? " rows to delete, " : " rows deleted, ");
    }
    summary.append(lacking).append(options.dryRun() ? " rows to write" : " rows lacking, " + written + " written")
        .append(days.isEmpty() ? "" : dayList).append(", ").append(rowsPresent).append(" present, ").append(rowsQuarantined)
        .append(" quarantined");
    if (refused > 0) {
      summary.append(", ").append(refused).append(" refused now (quarantined)");
    }
    if (rowsLeftToLive > 0) {
      summary.append(", ").append(rowsLeftToLive).append(" left to the live path, which was resuming");
    }
    if (options.rebuild() && deletedUpTo < last) {
      summary.append("; records after ").append(Math.max(deletedUpTo, from - 1))
          .append(" are the live path's last group: kept, and written only where lacking");
    }
    if (last < requestedTo) {
      summary.append("; records after ").append(last).append(" are not yet durable: the live path writes them");
    }
    return new ReplayOutcome("cold", counts, summary.toString());
  }
}
