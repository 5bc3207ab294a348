package io.pingstack.gateway;

import com.fasterxml.jackson.core.JsonToken;
import io.pingstack.model.PingRules;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payload stored for an update check: its JSON object with every member in order and every
 * value as read (unknown keys and nested shapes included), except {@code initAdmin}, which is left
 * out or replaced by {@code hmac-sha256:<hex>} per {@link SourcegraphConfig.InitAdmin}.
 *
 * <p>A payload over 64 KiB still gets stored: members are left out, the largest nested value first
 * (then the largest other value; never {@code site}, {@code version} or {@code deployType}), until
 * it fits, and the keys left out are listed, in that order, in a {@code pingstack_dropped} array at
 * its end. A client's own top-level {@code pingstack_dropped} is then the first left out.
 */
final class UpdateCheckPayload {
  private static final Logger LOG = LoggerFactory.getLogger(UpdateCheckPayload.class);
  static final String DROPPED = "pingstack_dropped";
  private static final byte[] DROPPED_KEY = utf8(UpdateCheck.quoted(DROPPED));
  private static final Set<String> NEVER_DROPPED = Set.of("site", "version", "deployType");
  private static final Comparator<Field> FIRST_DROPPED = Comparator.comparing((Field f) -> f.name().equals(DROPPED))
      .thenComparing(Field::nested)
      .thenComparingLong(Field::size);

  private final SourcegraphConfig.InitAdmin initAdmin;
  private final SecretKeySpec hashKey;
  private final int limit;

  UpdateCheckPayload(SourcegraphConfig config) {
    this(config, PingRules.MAX_PAYLOAD_BYTES);
  }

  UpdateCheckPayload(SourcegraphConfig config, int limit) {
    this.initAdmin = config.initAdmin();
    this.hashKey = config.initAdminHashKey() == null
        ? null
        : new SecretKeySpec(config.initAdminHashKey().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.limit = limit;
  }

  /** One member as written: its quoted key and its value, UTF-8. */
  private static final class Field {
    final String name;
    final boolean nested;
    final byte[] key;
    final byte[] value;

    Field(String name, boolean nested, String value) {
      this.name = name;
      this.nested = nested;
      this.key = utf8(UpdateCheck.quoted(name));
      this.value = utf8(value);
    }

    String name() {
      return name;
    }

    boolean nested() {
      return nested;
    }

    long size() {
      return key.length + 1L + value.length;
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The payload of {@code check} as UTF-8 JSON, at most the limit unless the members never dropped exceed it. */
  byte[] write(UpdateCheck check) {
    List<Field> kept = new ArrayList<>();
    for (UpdateCheck.Member m : check.members()) {
      String value = m.json();
      if ("initAdmin".equals(m.name())) {
        if (initAdmin == SourcegraphConfig.InitAdmin.DROP || m.kind() != JsonToken.VALUE_STRING || m.text().isBlank()) {
          continue;
        }
        value = UpdateCheck.quoted(hash(m.text()));
      }
      boolean nested = m.kind() == JsonToken.START_OBJECT || m.kind() == JsonToken.START_ARRAY;
      kept.add(new Field(m.name(), nested, value));
    }
    List<Field> dropped = new ArrayList<>();
    while (size(kept, dropped) > limit) {
      Field largest = kept.stream().filter(f -> !NEVER_DROPPED.contains(f.name())).max(FIRST_DROPPED).orElse(null);
      if (largest == null) {
        break;
      }
      kept.remove(largest);
      dropped.add(largest);
    }
    if (!dropped.isEmpty()) {
      LOG.debug("Sourcegraph ping payload over {} bytes: {} members left out to fit", limit, dropped.size());
    }
    return bytes(kept, dropped);
  }

  private String hash(String email) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(hashKey);
      byte[] digest = mac.doFinal(email.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
      return "hmac-sha256:" + HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static long size(List<Field> kept, List<Field> dropped) {
    long size = 2L + Math.max(0L, kept.size() - 1L);
    for (Field f : kept) {
      size += f.size();
    }
    if (!dropped.isEmpty()) {
      size += (kept.isEmpty() ? 0L : 1L) + DROPPED_KEY.length + 3L + dropped.size() - 1L;
      for (Field f : dropped) {
        size += f.key.length;
      }
    }
    return size;
  }

  private static byte[] bytes(List<Field> kept, List<Field> dropped) {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, size(kept, dropped)));
    out.write('{');
    for (int i = 0; i < kept.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.writeBytes(kept.get(i).key);
      out.write(':');
      out.writeBytes(kept.get(i).value);
    }
    if (!dropped.isEmpty()) {
      if (!kept.isEmpty()) {
        out.write(',');
      }
      out.writeBytes(DROPPED_KEY);
      out.write(':');
      out.write('[');
      for (int i = 0; i < dropped.size(); i++) {
        if (i > 0) {
          out.write(',');
        }
        out.writeBytes(dropped.get(i).key);
      }
      out.write(']');
    }
    out.write('}');
    return out.toByteArray();
  }
}
