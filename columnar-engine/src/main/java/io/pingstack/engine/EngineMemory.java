package io.pingstack.engine;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/** The engine's one Arrow root allocator; every batch and store takes a child with its own limit. */
final class EngineMemory {
  private static final BufferAllocator ROOT = new RootAllocator(Long.MAX_VALUE);

  private EngineMemory() {}

  static BufferAllocator child(String name, long limitBytes) {
    return ROOT.newChildAllocator(name, 0, limitBytes);
  }
}
