package io.pingstack.engine.clickhouse;

import static io.pingstack.engine.clickhouse.ClickHouseConnection.quote;
import static java.util.Objects.requireNonNull;

import io.pingstack.engine.ColdStore;
import io.pingstack.engine.ColumnBatch;
import io.pingstack.engine.ReplayException;
import io.pingstack.engine.ReplayLog;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.engine.ReplayOutcome;
import io.pingstack.engine.ReplayTarget;
import io.pingstack.model.Wal;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cold storage in ClickHouse: every accepted ping once in {@code <database>.pings} (see
 * {@link PingTable}), written by RowBinary INSERTs of whole WAL records, each within one day
 * partition and under {@code max_insert_block_size} rows, so each is one block: all or nothing.
 *
 * <p><b>Exactly once.</b> Accepted rows are buffered ({@link RowChunks}) and inserted as a group
 * every {@code flushInterval}, or sooner when the buffer is full. A group first records its WAL
 * range and days in {@code cold_inserts} (one row per node, the latest wins), then inserts its
 * chunks day by day, each day's chunks in WAL order. So within each day the stored rows of the group
 * are always a prefix in WAL order, and {@link #resumePosition()} can tell exactly what a crash or a
 * failed request left: for each day of the last group, the highest WAL position stored and which
 * pings of that record are there. It resumes before the group, and the records read again skip
 * exactly the rows already stored. Without a {@code cold_inserts} row for the node (a first start,
 * or that table lost), it resumes after {@code max(wal_position)} of the node's rows. On modern
 * servers each INSERT also carries a deduplication token derived from its WAL range and content.
 *
 * <p><b>Outages.</b> No request is made before the consumer's first {@code resumePosition()}, so the
 * service starts while ClickHouse is down. Any failed request throws: the consumer backs off (with
 * jitter, at most ~5 s), then resumes; meanwhile its lag rises and the WAL keeps every record after
 * {@link #durablePosition()}. A chunk refused with an error about the data itself (see
 * {@link ClickHouseFailure#rejectsData()}) is bisected: the rows that fail alone go to
 * {@code pings_quarantine} with their WAL position and the server's error; the rest go in once.
 * More than {@link #MAX_QUARANTINED_PER_FLUSH} refused rows in one group is not a poison row but a
 * table that refuses everything: the flush fails instead, and retries until the table takes them.
 *
 * <p><b>Replays</b> ({@link #replay}, target {@code cold}) write what the table lacks of a WAL range,
 * or rebuild it, while live ingest goes on: see {@link ClickHouseReplay}.
 *
 * <p><b>Threads.</b> {@link #resumePosition()}, {@link #accept}, {@link #tick} and {@link #close()}
 * run on the consumer's thread, and everything they use (the buffer, the group, the redelivery
 * filter, {@code broken}, the live connection) is confined to it. {@link #durablePosition()} and the
 * metric getters are read from any thread. {@link #replay} runs on the replay's thread (one replay
 * at a time) with its own connection, rows and inserter; it reads {@code durable} and {@code shape}
 * and never writes a field of the live path. Who inserts which rows:
 * <ul>
 *   <li>The live path inserts rows of records after {@link #durablePosition()} only, except after a
 *       resume: then it inserts again what it finds lacking of the records from the first one of its
 *       newest group in {@code cold_inserts} on ({@code revisitFrom}), until a flush has written the
 *       last of those records ({@code redelivering}). {@code revisitFrom} only grows.
 *   <li>A replay takes records up to the durable position when it starts. Records before
 *       {@code revisitFrom} are its own: no live path inserts them again. For records at or after
 *       it (the live path's last group), it holds {@code revisits} from reading what the table holds
 *       until its INSERTs are done, and leaves them to the live path while that is redelivering.
 *   <li>{@code resumePosition()} holds {@code revisits} while it reads what the table holds and
 *       claims the records it will deliver again. So the two never both find a row lacking, and
 *       whatever a replay wrote into the last group is a WAL-order prefix of each day that a resume
 *       reads as stored.
 * </ul>
 */
public final class ClickHouseColdStore implements ColdStore {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseColdStore.class);
  static final int MAX_QUARANTINED_PER_FLUSH = 100;
  /** Above the pings of any one WAL record (a request body's worth). */
  private static final long MAX_RECORD_ROWS = 1_000_000;

  private final ClickHouseConfig config;
  private final ClickHouseMetrics metrics;
  private final ClickHouseSql connection;
  /** A connection for each replay; null: replays share {@link #connection} (chDB, whose session is serialized). */
  private final Supplier<ClickHouseSql> replayConnections;
  private final ReentrantLock replays = new ReentrantLock();
  /** Held by a resume while it reads what is stored, and by a replay writing records of the live path's last group. */
  private final ReentrantLock revisits = new ReentrantLock();
  /** The first WAL position whose rows a resume could make the live path insert again (see the class comment). */
  private volatile long revisitFrom = 0;
  /** Since the last resume, the live path may insert rows of records from {@link #revisitFrom} on. Written under revisits or only to false. */
  private volatile boolean redelivering = true;
  private volatile Migrations.Shape shape;
  private List<String> columns;
  private RowChunks chunks;
  private ChunkInserter inserter;
  private Redelivery redelivery;
  /** Days of every row of the group's records, stored before or not: a resume must look at all of them. */
  private final TreeSet<Long> groupDays = new TreeSet<>();
  private long groupFirst = Wal.NONE;
  private long groupLast = Wal.NONE;
  private long pendingSinceMillis = -1;
  private long accepted = Wal.NONE;
  private boolean resumed;
  /** A call failed since the last resume: what is buffered may be partly in ClickHouse, so it is never flushed as is. */
  private boolean broken;
  private volatile boolean closed;
  private volatile long durable = Wal.NONE;
  private volatile long bufferedBytes;

  private ClickHouseColdStore(ClickHouseConfig config, ClickHouseMetrics metrics, ClickHouseSql connection,
      Supplier<ClickHouseSql> replayConnections) {
    this.config = config;
    this.metrics = metrics;
    this.connection = connection;
    this.replayConnections = replayConnections;
  }

  /** Sets up the clients; nothing is sent to ClickHouse until the consumer's first {@link #resumePosition()}. */
  public static ClickHouseColdStore open(ClickHouseConfig config, ClickHouseMetrics metrics) {
    requireNonNull(config, "config");
    requireNonNull(metrics, "metrics");
    LOG.info("cold store: ClickHouse at {}, database {}, node {}", config.url(), config.database(), config.node());
    return new ClickHouseColdStore(config, metrics, ClickHouseConnection.open(config), () -> ClickHouseConnection.open(config));
  }

  /**
   * A store writing through {@code sql} (the modern-SQL suite runs it on chDB); closes it with the
   * store. Replays share it, so it must be thread-safe.
   */
  static ClickHouseColdStore over(ClickHouseSql sql, ClickHouseConfig config, ClickHouseMetrics metrics) {
    return new ClickHouseColdStore(config, metrics, sql, null);
  }

  @Override
  public long resumePosition() {
    ensureOpen();
    discardBuffered();
    broken = true;
    if (shape == null) {
      shape = Migrations.apply(connection, config);
      columns = PingTable.columnNames(config);
      LOG.info("ClickHouse {} ready: server {}, {} table, inserts of at most {} rows", config.database(), shape.server(),
          shape.modernTable() ? "modern" : "legacy", shape.maxInsertRows());
    }
    chunks = new RowChunks(shape.maxInsertRows(), config.dimensions(), config.metrics());
    inserter = new ChunkInserter(connection, config, metrics, columns, shape.dedupTokens() ? "pingstack:" + config.node() : null,
        MAX_QUARANTINED_PER_FLUSH);
    long resume;
    revisits.lock();
    try {
      resume = findResume();
      accepted = resume;
      durable = resume;
      revisitFrom = resume + 1;
      redelivering = true;
    } finally {
      revisits.unlock();
    }
    broken = false;
    if (!resumed) {
      resumed = true;
      LOG.info("ClickHouse cold store of node {} resumes after WAL position {}", config.node(), resume);
    }
    return resume;
  }

  /** Where to resume, and the filter for the records read again ({@link #redelivery}). */
  private long findResume() {
    String pings = PingTable.qualified(config.database(), PingTable.PINGS);
    String node = quote(config.node());
    List<long[]> last = connection.query("SELECT first_position, last_position FROM "
        + PingTable.qualified(config.database(), PingTable.INSERTS) + " WHERE ingest_node = " + node
        + " ORDER BY last_position DESC LIMIT 1", row -> new long[] {row.int64(1), row.int64(2)});
    if (last.isEmpty()) {
      List<long[]> max = connection.query("SELECT max(wal_position), count() FROM " + pings + " WHERE ingest_node = " + node,
          row -> new long[] {row.int64(1), row.int64(2)});
      if (max.isEmpty() || max.get(0)[1] == 0) {
        LOG.info("ClickHouse holds no rows of node {}: the cold store starts from the beginning of the WAL", config.node());
        redelivery = null;
        return Wal.NONE;
      }
      long position = max.get(0)[0];
      LOG.warn("ClickHouse holds rows of node {} up to WAL position {} but no record of its inserts in {}: resuming after the"
          + " rows of that position it has", config.node(), position, PingTable.INSERTS);
      redelivery = new Redelivery(position, Map.of(), present(position, ""), position);
      return position - 1;
    }
    long first = last.get(0)[0];
    long lastPosition = last.get(0)[1];
    List<String> days = connection.query("SELECT DISTINCT arrayJoin(days) AS day FROM " + PingTable.qualified(config.database(), PingTable.INSERTS)
        + " WHERE ingest_node = " + node + " AND first_position = " + first + " AND last_position = " + lastPosition,
        row -> row.string(1));
    Map<Long, Long> watermarks = new HashMap<>();
    Map<Long, Set<String>> present = new HashMap<>();
    for (String day : days) {
      String range = dayRange(day);
      List<long[]> max = connection.query("SELECT max(wal_position), count() FROM " + pings + " WHERE ingest_node = " + node
          + " AND wal_position >= " + first + " AND wal_position <= " + lastPosition + " AND " + range,
          row -> new long[] {row.int64(1), row.int64(2)});
      if (max.isEmpty() || max.get(0)[1] == 0) {
        continue;
      }
      long dayNumber = LocalDate.parse(day).toEpochDay();
      long watermark = max.get(0)[0];
      watermarks.put(dayNumber, watermark);
      present.putAll(present(watermark, " AND " + range));
    }
    redelivery = new Redelivery(lastPosition, watermarks, present, Wal.NONE);
    return first - 1;
  }

  /** The pings of WAL position {@code position} stored (within {@code where}), by day: "instance\0ping". */
  private Map<Long, Set<String>> present(long position, String where) {
    Map<Long, Set<String>> present = new HashMap<>();
    connection.query("SELECT toUInt32(" + PingTable.day(shape.modernTable()) + ") AS day, instance_id, ping_id FROM "
        + PingTable.qualified(config.database(), PingTable.PINGS) + " WHERE ingest_node = " + quote(config.node())
        + " AND wal_position = " + position + where + ClickHouseConnection.sortedInOneBlock("day", MAX_RECORD_ROWS),
        row -> {
          if (row.string(2) == null || row.string(3) == null) {
            throw new IllegalStateException("a null id in what ClickHouse holds of WAL position " + position + ": the client misread it");
          }
          return present.computeIfAbsent(row.int64(1), d -> new HashSet<>()).add(row.string(2) + '\0' + row.string(3));
        });
    return present;
  }

  /** A condition on the event time that selects day {@code day} (YYYY-MM-DD) and lets ClickHouse prune partitions. */
  private String dayRange(String day) {
    long fromMicros = LocalDate.parse(day).toEpochDay() * RowChunks.MICROS_PER_DAY;
    return PingTable.timeRange(shape.modernTable(), fromMicros, fromMicros + RowChunks.MICROS_PER_DAY);
  }

  @Override
  public void accept(ColumnBatch batch) {
    requireNonNull(batch, "batch");
    ensureOpen();
    if (chunks == null) {
      throw new IllegalStateException("accept before resumePosition");
    }
    if (broken) {
      throw new IllegalStateException("accept after a failure without resumePosition");
    }
    int rows = batch.rowCount();
    int row = 0;
    while (row < rows) {
      long position = batch.walPosition(row);
      int end = batch.recordEnd(row);
      if (position > accepted) {
        addRecord(batch, row, end, position);
      }
      row = end;
    }
    if (batch.lastPosition() > accepted) {
      // Records without pings still advance the position.
      noteRecord(batch.lastPosition());
    }
    bufferedBytes = chunks.bytes();
    if (chunks.bytes() >= config.maxBufferBytes()) {
      flush();
    }
  }

  private void addRecord(ColumnBatch batch, int from, int to, long position) {
    Redelivery filter = redelivery;
    for (int row = from; row < to; row++) {
      long day = RowChunks.dayOf(batch.timestampMicros(row));
      groupDays.add(day);
      if (filter != null && filter.stored(day, position, batch.instanceId(row), batch.pingId(row))) {
        continue;
      }
      chunks.write(chunks.chunkFor(day, position, to - from), batch, row);
    }
    noteRecord(position);
  }

  private void noteRecord(long position) {
    if (groupFirst == Wal.NONE) {
      groupFirst = position;
    }
    groupLast = position;
    accepted = position;
    if (redelivery != null && position >= redelivery.last()) {
      redelivery = null;
    }
  }

  @Override
  public void tick(long nowMillis) {
    ensureOpen();
    if (groupLast == Wal.NONE) {
      return;
    }
    if (pendingSinceMillis < 0) {
      pendingSinceMillis = nowMillis;
    } else if (nowMillis - pendingSinceMillis >= config.flushInterval().toMillis()) {
      flush();
    }
  }

  /** Inserts the buffered group: its range in {@code cold_inserts} first, then each day's chunks in order. */
  private void flush() {
    if (groupLast == Wal.NONE) {
      return;
    }
    long started = System.nanoTime();
    broken = true;
    inserter.startGroup();
    if (!chunks.isEmpty()) {
      // Every day of the group's records, also those whose rows were all stored before a resume: if
      // this group fails half way too, the next resume must find what is stored on each of them.
      String days = groupDays.stream().map(d -> quote(LocalDate.ofEpochDay(d).toString()))
          .collect(Collectors.joining(", ", "[", "]"));
      connection.execute("INSERT INTO " + PingTable.qualified(config.database(), PingTable.INSERTS)
          + " (ingest_node, first_position, last_position, days, rows, begun_at) VALUES (" + quote(config.node()) + ", "
          + groupFirst + ", " + groupLast + ", " + days + ", " + chunks.rows() + ", now())");
      for (List<RowChunks.Chunk> day : chunks.days().values()) {
        for (RowChunks.Chunk chunk : day) {
          inserter.insert(chunk);
        }
      }
      metrics.flushed(chunks.rows(), chunks.bytes(), System.nanoTime() - started);
      // The newest group in cold_inserts: a resume goes back no further than its first record.
      revisitFrom = groupFirst;
    }
    durable = groupLast;
    if (redelivery == null) {
      redelivering = false;
    }
    discardBuffered();
    broken = false;
  }

  private void discardBuffered() {
    if (chunks != null) {
      chunks.clear();
    }
    bufferedBytes = 0;
    groupDays.clear();
    groupFirst = Wal.NONE;
    groupLast = Wal.NONE;
    pendingSinceMillis = -1;
  }

  @Override
  public long durablePosition() {
    return durable;
  }

  /**
   * Writes the rows of {@code [from, to]} this node's table lacks (or, with {@link ReplayOptions#rebuild()},
   * deletes and writes them again), up to the durable position when the replay starts: later records
   * are the live path's. Safe during live ingest and to run again after any failure (see the class
   * comment and {@link ClickHouseReplay}). Throws {@link ReplayException} when ClickHouse fails.
   */
  @Override
  public ReplayOutcome replay(ReplayLog log, long from, long to, ReplayOptions options) {
    requireNonNull(log, "log");
    requireNonNull(options, "options");
    if (closed) {
      throw new ReplayException("the ClickHouse cold store of node " + config.node() + " is closed");
    }
    if (!replays.tryLock()) {
      throw new ReplayException("another replay into the ClickHouse cold store of node " + config.node()
          + " is running: wait for it to end, then run this one");
    }
    try {
      long durableNow = durable;
      Migrations.Shape found = shape;
      long last = Math.min(to, durableNow);
      if (found == null || durableNow == Wal.NONE || last < from) {
        String why = durableNow == Wal.NONE ? "the cold store has made nothing durable yet"
            : "the cold store is durable up to WAL position " + durableNow;
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("records_read", 0L);
        counts.put("rows_written", 0L);
        counts.put("last_position", durableNow);
        return new ReplayOutcome(targetName(), counts, "nothing to replay in WAL " + from + "–" + to + ": " + why + ", and the live path writes what comes after it");
      }
      ClickHouseSql sql = replayConnections == null ? connection : replayConnections.get();
      try {
        return new ClickHouseReplay(sql, config, found, metrics, livePath(), options).run(log, from, last, to);
      } catch (ClickHouseFailure e) {
        throw new ReplayException("cannot replay WAL " + from + "–" + last + " into ClickHouse "
            + PingTable.qualified(config.database(), PingTable.PINGS) + " (node " + config.node() + "): " + e.getMessage()
            + "; what it wrote stays, once: run the replay again once ClickHouse answers", e);
      } finally {
        if (sql != connection) {
          sql.close();
        }
      }
    } finally {
      replays.unlock();
    }
  }

  private ClickHouseReplay.LivePath livePath() {
    return new ClickHouseReplay.LivePath() {
      @Override
      public long revisitFrom() {
        return revisitFrom;
      }

      @Override
      public void whileNotResuming(LongConsumer work) {
        revisits.lock();
        try {
          work.accept(redelivering ? revisitFrom : Long.MAX_VALUE);
        } finally {
          revisits.unlock();
        }
      }
    };
  }

  /** Bytes of encoded rows waiting for their INSERT. Any thread. */
  public long bufferedBytes() {
    return bufferedBytes;
  }

  /** Inserts what is buffered (when ClickHouse answers; the WAL keeps it otherwise) and closes the clients. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    try {
      if (chunks != null && groupLast != Wal.NONE && !broken) {
        flush();
      }
    } catch (RuntimeException e) {
      LOG.warn("ClickHouse cold store: the last {} buffered rows were not inserted at close ({}); they are inserted from the WAL"
          + " at the next start", chunks.rows(), e.getMessage());
    } finally {
      closed = true;
      connection.close();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the ClickHouse cold store is closed");
    }
  }

  /**
   * What the records read again after a resume already have in ClickHouse: per day, rows before the
   * watermark are stored, and at the watermark the listed pings are. {@code defaultWatermark} applies
   * to days not listed ({@link Wal#NONE}: none stored). Dropped once the consumer passes {@code last}.
   */
  private record Redelivery(long last, Map<Long, Long> watermarks, Map<Long, Set<String>> present, long defaultWatermark) {
    boolean stored(long day, long position, String instanceId, String pingId) {
      long watermark = watermarks.getOrDefault(day, defaultWatermark);
      if (watermark == Wal.NONE || position > watermark) {
        return false;
      }
      if (position < watermark) {
        return true;
      }
      Set<String> ids = present.get(day);
      return ids != null && ids.contains(instanceId + '\0' + pingId);
    }
  }
}
