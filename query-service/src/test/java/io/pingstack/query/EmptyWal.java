package io.pingstack.query;

import io.pingstack.model.Wal;
import io.pingstack.model.WalReader;
import java.lang.reflect.Proxy;

/**
 * A log that holds nothing, for starting the gateway in tests that never ingest. A proxy rather
 * than a class, so it keeps compiling while the {@link Wal} interface grows; any call other than
 * reading (which finds nothing) or closing fails naming the method.
 */
final class EmptyWal {
  private EmptyWal() {}

  static Wal create() {
    WalReader nothing = new WalReader() {
      @Override
      public Entry next() {
        return null;
      }

      @Override
      public void close() {}
    };
    return (Wal) Proxy.newProxyInstance(Wal.class.getClassLoader(), new Class<?>[] {Wal.class}, (proxy, method, args) ->
        switch (method.getName()) {
          case "reader", "readerFromEnd" -> nothing;
          case "close" -> null;
          case "toString" -> "EmptyWal";
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> throw new UnsupportedOperationException("the query tests' WAL does not support " + method.getName());
        });
  }
}
