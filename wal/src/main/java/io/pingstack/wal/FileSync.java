package io.pingstack.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Makes a log file's written bytes durable. The production one is {@code channel.force(false)},
 * which on Linux also flushes pages written through Chronicle's memory mappings and, unlike
 * Chronicle's own msync, reports a failure. Tests substitute failing ones.
 */
@FunctionalInterface
public interface FileSync {
  FileSync FORCE = channel -> channel.force(false);

  void sync(FileChannel channel) throws IOException;
}
