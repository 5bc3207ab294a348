package io.pingstack.engine.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A session of ClickHouse 26.x running in this JVM: chDB's {@code libchdb.so} (npm package
 * {@code chdb}, installed by {@code bin/ensure-chdb}) through JNA, for tests of the modern DDL and
 * queries that Debian's ClickHouse 18.16 cannot run.
 *
 * <p>The session keeps its databases and tables in {@code dataDir} across queries. libchdb runs one
 * engine per process on one storage path: close a session before opening one on another directory.
 * Queries on a session are serialized. Bound C API (chdb.h of chdb-core 26.7):
 * {@code chdb_set_signal_handlers_enabled}, {@code chdb_version}, {@code chdb_connect},
 * {@code chdb_query_n}, {@code chdb_result_error}, {@code chdb_result_buffer},
 * {@code chdb_result_length}, {@code chdb_destroy_query_result}, {@code chdb_close_conn}.
 */
public final class ChDb implements AutoCloseable {
  /** System property naming the absolute path of libchdb.so; failsafe gets it from bin/ensure-chdb. */
  public static final String LIBRARY_PROPERTY = "pingstack.chdb.library";
  /** Environment variable read when the system property is absent (IDE runs). */
  public static final String LIBRARY_ENV = "PINGSTACK_CHDB_LIBRARY";

  /** chdb.h, without the deprecated and streaming parts. size_t is a Java long (LP64 only). */
  interface LibChDb extends Library {
    void chdb_set_signal_handlers_enabled(int enabled);

    Pointer chdb_version();

    /** Returns a {@code chdb_connection *}, NULL on failure. */
    Pointer chdb_connect(int argc, Pointer argv);

    /** Takes the {@code chdb_connection *} that chdb_connect returned. */
    void chdb_close_conn(Pointer connectionHandle);

    /** Takes the {@code chdb_connection} itself; never returns NULL for a live connection. */
    Pointer chdb_query_n(Pointer connection, byte[] query, long queryLength, byte[] format, long formatLength);

    Pointer chdb_result_error(Pointer result);

    Pointer chdb_result_buffer(Pointer result);

    long chdb_result_length(Pointer result);

    void chdb_destroy_query_result(Pointer result);
  }

  private static final int RTLD_LAZY = 0x1;
  private static final int RTLD_NODELETE = Platform.isMac() ? 0x80 : 0x1000;
  private static final int MAX_SQL_IN_MESSAGES = 200;

  /**
   * Loaded once and held by this static field for the JVM's lifetime. JNA dlcloses a library whose
   * proxy becomes unreachable; unmapping libchdb under its running threads crashes the JVM (seen
   * here as SIGSEGV at exit), so it is also opened with RTLD_NODELETE.
   */
  private static LibChDb library;

  private final LibChDb lib;
  private final Path dataDir;
  private Pointer connectionHandle;
  private Pointer connection;

  private ChDb(LibChDb lib, Path dataDir, Pointer connectionHandle) {
    this.lib = lib;
    this.dataDir = dataDir;
    this.connectionHandle = connectionHandle;
    this.connection = connectionHandle.getPointer(0);
  }

  /** Starts (or joins) the in-process engine with its data in {@code dataDir}, created if absent. */
  public static ChDb open(Path dataDir) {
    requireNonNull(dataDir, "dataDir");
    LibChDb lib = library();
    Path dir = dataDir.toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the chDB data directory " + dir, e);
    }
    String[] args = {"clickhouse", "--path=" + dir};
    Pointer handle = lib.chdb_connect(args.length, new StringArray(args, UTF_8.name()));
    if (handle == null || handle.getPointer(0) == null) {
      throw new IllegalStateException("cannot open chDB on " + dir
          + ": chdb_connect failed (is a session on another directory still open?)");
    }
    return new ChDb(lib, dir, handle);
  }

  /** The libchdb build, e.g. "26.7.3"; {@link #version()} is the ClickHouse inside it. */
  public static String libraryVersion() {
    return library().chdb_version().getString(0, UTF_8.name());
  }

  /** {@code SELECT version()}: the ClickHouse version this session runs. */
  public String version() {
    return query("SELECT version()", "TabSeparated").strip();
  }

  /** Runs {@code sql} in TabSeparated (a FORMAT clause in the SQL wins). */
  public String query(String sql) {
    return query(sql, "TabSeparated");
  }

  /**
   * Runs {@code sql} (one statement or several separated by ";") and returns its output in
   * {@code format}, "" for statements without output.
   *
   * @throws ChDbException with ClickHouse's message when the query fails; the session stays usable
   */
  public String query(String sql, String format) {
    requireNonNull(sql, "sql");
    return query(sql.getBytes(UTF_8), format);
  }

  /**
   * Runs a statement given as bytes: an {@code INSERT … FORMAT RowBinary} followed by its binary
   * rows, which are not text.
   */
  public synchronized String query(byte[] query, String format) {
    requireNonNull(query, "query");
    requireNonNull(format, "format");
    if (connection == null) {
      throw new IllegalStateException("chDB session on " + dataDir + " is closed");
    }
    String sql = new String(query, 0, Math.min(query.length, 300), UTF_8);
    byte[] formatName = format.getBytes(UTF_8);
    Pointer result = lib.chdb_query_n(connection, query, query.length, formatName, formatName.length);
    if (result == null) {
      throw new ChDbException("cannot run " + abbreviate(sql) + " on chDB: no result");
    }
    try {
      Pointer error = lib.chdb_result_error(result);
      if (error != null) {
        throw new ChDbException("cannot run " + abbreviate(sql) + " on chDB: " + error.getString(0, UTF_8.name()));
      }
      long length = lib.chdb_result_length(result);
      Pointer buffer = lib.chdb_result_buffer(result);
      if (length == 0 || buffer == null) {
        return "";
      }
      if (length > Integer.MAX_VALUE - 8) {
        throw new ChDbException("cannot run " + abbreviate(sql) + " on chDB: result of " + length + " bytes");
      }
      return new String(buffer.getByteArray(0, (int) length), UTF_8);
    } finally {
      lib.chdb_destroy_query_result(result);
    }
  }

  /** Closes the connection; idempotent. The engine stays loaded for the next session. */
  @Override
  public synchronized void close() {
    if (connectionHandle != null) {
      lib.chdb_close_conn(connectionHandle);
      connectionHandle = null;
      connection = null;
    }
  }

  private static synchronized LibChDb library() {
    if (library == null) {
      String path = System.getProperty(LIBRARY_PROPERTY, System.getenv(LIBRARY_ENV));
      if (path == null || path.isBlank()) {
        throw new IllegalStateException("no libchdb.so: set -D" + LIBRARY_PROPERTY + " or " + LIBRARY_ENV
            + " to the path bin/ensure-chdb prints (mvn verify runs it before the integration tests)");
      }
      if (!Files.isRegularFile(Path.of(path))) {
        throw new IllegalStateException("no libchdb.so at " + path + " (" + LIBRARY_PROPERTY + "/" + LIBRARY_ENV
            + "): run bin/ensure-chdb");
      }
      readStdinFromDevNull();
      LibChDb loaded = Native.load(path, LibChDb.class,
          Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY | RTLD_NODELETE));
      // First call, before any connection: with chDB's own handlers for SIGSEGV & co. the JVM's
      // implicit null checks, SIGQUIT dumps and SIGTERM shutdown hang.
      loaded.chdb_set_signal_handlers_enabled(0);
      library = loaded;
    }
    return library;
  }

  /** The few libc calls {@link #readStdinFromDevNull()} makes. */
  interface LibC extends Library {
    int open(String path, int flags);

    int dup2(int oldFd, int newFd);

    int close(int fd);
  }

  /**
   * Points this process's stdin at /dev/null. ClickHouse's INSERT looks on stdin for more rows
   * after those in the statement, with a blocking read when stdin is a pipe: in a test fork whose
   * stdin is an idle pipe from Maven, an INSERT then hung for good (seen once, in
   * {@code aTableThatRefusesEveryRowStopsTheStoreInsteadOfQuarantiningEverything}). The failsafe
   * fork of this module talks to Maven over TCP (columnar-engine/pom.xml), not over stdin.
   */
  private static void readStdinFromDevNull() {
    LibC libc = Native.load("c", LibC.class);
    int devNull = libc.open("/dev/null", 0); // O_RDONLY
    if (devNull < 0 || libc.dup2(devNull, 0) < 0) {
      throw new IllegalStateException("cannot point stdin at /dev/null before loading chDB: errno " + Native.getLastError());
    }
    libc.close(devNull);
  }

  private static String abbreviate(String sql) {
    String oneLine = sql.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= MAX_SQL_IN_MESSAGES ? oneLine : oneLine.substring(0, MAX_SQL_IN_MESSAGES) + "…";
  }

  /** A query that ClickHouse refused; the message is ClickHouse's, after the statement. */
  public static final class ChDbException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ChDbException(String message) {
      super(message);
    }
  }
}
