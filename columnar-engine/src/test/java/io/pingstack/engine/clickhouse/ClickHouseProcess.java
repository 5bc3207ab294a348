package io.pingstack.engine.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real {@code clickhouse-server} (Debian's package, 18.16) for integration tests: its config, data
 * and logs in a fresh temp dir, HTTP and native TCP on free ports of 127.0.0.1, and no other port.
 *
 * <p>{@link #query} speaks plain HTTP: it is the tests' own view of what is stored, independent of
 * the ClickHouse Java clients. 18.16 ignores the format and database headers: put {@code FORMAT} in
 * the SQL and qualify table names.
 *
 * <p>No server outlives the JVM that started it: a shutdown hook kills the open ones, and where
 * util-linux's {@code setpriv} exists the kernel kills the server when that JVM dies by SIGKILL.
 */
public final class ClickHouseProcess implements AutoCloseable {
  /** What a test may change about its server. Immutable. */
  public static final class Options {
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, String> users;
    private final Duration startupTimeout;

    private Options(Map<String, String> users, Duration startupTimeout) {
      this.users = users;
      this.startupTimeout = startupTimeout;
    }

    /** User {@code default} without a password; 30 s to become ready. */
    public static Options defaults() {
      return new Options(Map.of(), Duration.ofSeconds(30));
    }

    /** Adds a user who authenticates with {@code password}, from 127.0.0.1 (see {@link #queryAs}). */
    public Options withUser(String name, String password) {
      requireNonNull(password, "password");
      if (!USER_NAME.matcher(requireNonNull(name, "name")).matches() || name.equals("default")) {
        throw new IllegalArgumentException("a user name matches " + USER_NAME + " and is not default: " + name);
      }
      Map<String, String> more = new LinkedHashMap<>(users);
      more.put(name, password);
      return new Options(Map.copyOf(more), startupTimeout);
    }

    /** How long a start or restart may take, retries on a taken port included. */
    public Options withStartupTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("startup timeout must be positive: " + timeout);
      }
      return new Options(users, timeout);
    }
  }

  private static final Path DEFAULT_BINARY = Path.of("/usr/sbin/clickhouse-server");
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final Duration POLL = Duration.ofMillis(20);
  private static final Duration PORT_RETRY = Duration.ofMillis(100);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  /** Servers not closed yet, for the shutdown hook. */
  private static final Set<ClickHouseProcess> OPEN = ConcurrentHashMap.newKeySet();

  /**
   * Forks every server from one thread that lives as long as the JVM: the parent-death signal fires
   * when the forking thread ends, so a server forked by a short-lived test thread would die with it.
   */
  private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "clickhouse-launcher");
    t.setDaemon(true);
    return t;
  });

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(ClickHouseProcess::killAndClose), "clickhouse-reaper"));
  }

  private final Path binary;
  private final Path root;
  private final Options options;
  private final String displayName = "pingstack-test-" + UUID.randomUUID();
  private final Path serverLog;
  private final Path consoleLog;
  private int httpPort;
  private int tcpPort;
  private ClickHouseHttp http;
  private volatile Process process;
  private boolean closed;

  private ClickHouseProcess(Path binary, Path root, Options options) {
    this.binary = binary;
    this.root = root;
    this.options = options;
    this.serverLog = root.resolve("log").resolve("clickhouse-server.log");
    this.consoleLog = root.resolve("log").resolve("console.log");
  }

  /** A ready server with {@link Options#defaults()}. */
  public static ClickHouseProcess start() throws IOException {
    return start(Options.defaults());
  }

  /** A ready server; or fails naming the cause: no binary, a startup error with the log's tail, a timeout. */
  public static ClickHouseProcess start(Options options) throws IOException {
    requireNonNull(options, "options");
    Path binary = binary();
    ClickHouseProcess server = new ClickHouseProcess(binary, Files.createTempDirectory("pingstack-clickhouse-"), options);
    OPEN.add(server);
    try {
      Files.createDirectories(server.serverLog.getParent());
      Files.writeString(server.root.resolve("users.xml"), ClickHouseServerXml.users(options.users));
      server.launch(true);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  public String httpUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The native protocol's port (clickhouse-client); the Java clients use HTTP. */
  public int tcpPort() {
    return tcpPort;
  }

  /** The server's {@code path}: metadata and table parts. */
  public Path dataDir() {
    return root.resolve("data");
  }

  public Path logFile() {
    return serverLog;
  }

  /** The pid of the server's current, or last, process. */
  public long pid() {
    return process.pid();
  }

  /** SIGKILL; returns once the process is gone. The data stays for {@link #restart()}. */
  public synchronized void kill() {
    ProcessHandle handle = process.toHandle();
    handle.destroyForcibly();
    try {
      handle.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for clickhouse-server " + handle.pid() + " to die", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("clickhouse-server " + handle.pid() + " still runs " + STOP_TIMEOUT.toSeconds() + " s after SIGKILL", e);
    }
  }

  /**
   * SIGTERM, then SIGKILL if the server has not exited within 20 s. 18.16 first waits for its idle
   * keep-alive HTTP connections to time out ({@code keep_alive_timeout}, 10 s): a client that has
   * queried it makes this take that long.
   */
  public synchronized void stop() {
    ProcessHandle handle = process.toHandle();
    if (!handle.isAlive()) {
      return;
    }
    handle.destroy();
    try {
      handle.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot wait for clickhouse-server " + handle.pid() + " to exit", e);
    }
  }

  /** {@link #stop()} if it runs, then starts the server again on the same ports and data; returns once it is ready. */
  public synchronized void restart() throws IOException {
    if (closed) {
      throw new IllegalStateException("clickhouse-server in " + root + " is closed");
    }
    stop();
    launch(false);
  }

  /** Runs {@code sql} as user default; the response body, or an exception with the server's error text unless 200. */
  public String query(String sql) {
    return http().query(sql, null, null);
  }

  /** {@link #query} as a user of {@link Options#withUser}, authenticated with HTTP basic. */
  public String queryAs(String user, String password, String sql) {
    return http().query(sql, requireNonNull(user, "user"), requireNonNull(password, "password"));
  }

  /** The last {@code lines} lines of the server log, for assertion messages. */
  public String logTail(int lines) {
    return tail(serverLog, lines);
  }

  /** Kills the server (its data goes: a graceful stop would buy nothing) and deletes its directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (process != null && process.isAlive()) {
        kill();
      }
      deleteRecursively(root);
    } finally {
      OPEN.remove(this);
    }
  }

  private synchronized ClickHouseHttp http() {
    return http;
  }

  /** Starts the binary and waits until it is ready; on a taken port, again, on new ports if {@code newPorts}. */
  private void launch(boolean newPorts) throws IOException {
    long deadline = System.nanoTime() + options.startupTimeout.toNanos();
    for (int portTaken = 0; ; portTaken++) {
      if (newPorts) {
        pickPorts();
      }
      long logStart = Files.exists(serverLog) ? Files.size(serverLog) : 0;
      http = new ClickHouseHttp(httpPort);
      process = spawn();
      if (awaitReady(deadline)) {
        return;
      }
      // A port taken between our pick and its bind is worth another try; any other exit is an error.
      if (!readFrom(serverLog, logStart).contains("Address already in use") || System.nanoTime() > deadline) {
        throw new IllegalStateException("clickhouse-server exited with " + process.exitValue() + " before it was ready on "
            + httpUrl() + (portTaken == 0 ? "" : " (" + portTaken + " earlier tries found a port taken)") + ": " + binary
            + " --config-file=" + root.resolve("config.xml") + diagnostics());
      }
      sleep(PORT_RETRY);
    }
  }

  private void pickPorts() throws IOException {
    try (ServerSocket httpSocket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket tcpSocket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      httpPort = httpSocket.getLocalPort();
      tcpPort = tcpSocket.getLocalPort();
    }
    Files.writeString(root.resolve("config.xml"), ClickHouseServerXml.server(root, httpPort, tcpPort, displayName));
  }

  private Process spawn() throws IOException {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
    }
    command.add(binary.toString());
    command.add("--config-file=" + root.resolve("config.xml"));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(root.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog.toFile()));
    try {
      return LAUNCHER.submit(builder::start).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + binary, e);
    } catch (ExecutionException e) {
      throw new IOException("cannot start " + binary + ": " + e.getCause(), e.getCause());
    }
  }

  /**
   * True once our process answers /ping (and is ours: another test's server may hold the port while
   * ours still loads); false if it exits first. Polls: the server tells readiness no other way.
   */
  private boolean awaitReady(long deadline) {
    while (true) {
      try {
        if (process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
          return false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
        throw new IllegalStateException("interrupted while waiting for clickhouse-server on " + httpUrl(), e);
      }
      if (http.answersPing() && http.servedBy(displayName)) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        kill();
        throw new IllegalStateException("clickhouse-server did not answer " + httpUrl() + "/ping within "
            + options.startupTimeout.toSeconds() + " s" + diagnostics());
      }
    }
  }

  /** Both logs' tails: an error before the logger is set up reaches only the console. */
  private String diagnostics() {
    return "\n--- " + serverLog + "\n" + logTail(30) + "\n--- " + consoleLog + "\n" + tail(consoleLog, 10);
  }

  private static Path binary() {
    String configured = System.getenv("CLICKHOUSE_SERVER");
    boolean isDefault = configured == null || configured.isBlank();
    Path binary = isDefault ? DEFAULT_BINARY : Path.of(configured);
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("no clickhouse-server at " + binary + (isDefault ? "" : " (CLICKHOUSE_SERVER)")
          + ": run bin/ensure-clickhouse (`mvn verify` does before the integration tests), or `apt-get install"
          + " clickhouse-server` on Debian, or point CLICKHOUSE_SERVER at the binary");
    }
    return binary;
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = Files.exists(file) ? new String(Files.readAllBytes(file), UTF_8).lines().toList() : List.of();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  private static String readFrom(Path file, long offset) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    byte[] all = Files.readAllBytes(file);
    int from = (int) Math.min(offset, all.length);
    return new String(all, from, all.length - from, UTF_8);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** The shutdown hook: the kill first, without the lock a test thread may hold while it waits. */
  private void killAndClose() {
    try {
      Process p = process;
      if (p != null) {
        p.destroyForcibly();
      }
      close();
    } catch (RuntimeException e) {
      // The JVM is exiting: nothing to tell, and nobody to tell it to.
    }
  }
}
