package io.pingstack.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pingstack.engine.ReplayOptions;
import io.pingstack.server.ReplayRefusedException.Reason;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /admin/replay}: {@code {"from", "to", "target", "dry_run", "rebuild"}}.
 * {@code from} and {@code to} are each a WAL position (a JSON number, or a string of digits) or an
 * RFC 3339 time (a string); {@code to} may be left out (the log's last record when the replay
 * starts). Positions are inclusive, {@code [from, to]}; times are half-open, {@code [from, to)}, by
 * when the gateway received each record. Unknown fields are refused: a misspelt {@code dry_run}
 * must not turn into a real replay.
 */
record ReplayRequest(WalRecords.Bound from, WalRecords.Bound to, String target, boolean dryRun, boolean rebuild) {
  static final List<String> TARGETS = List.of("rollups", "cold", "all");
  private static final Set<String> FIELDS = Set.of("from", "to", "target", "dry_run", "rebuild");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The targets in the order they are replayed: {@code all} is the rollups, then the cold store. */
  List<String> targetNames() {
    return target.equals("all") ? List.of("rollups", "cold") : List.of(target);
  }

  ReplayOptions options() {
    return new ReplayOptions(dryRun, rebuild);
  }

  /** Parses and checks a request body; refuses it as {@link Reason#INVALID} with a message naming the field. */
  static ReplayRequest parse(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw invalid("the body must be a JSON object: {\"from\": ..., \"to\": ..., \"target\": \"rollups\" | \"cold\" | \"all\"}");
    }
    if (root == null || !root.isObject()) {
      throw invalid("the body must be a JSON object: {\"from\": ..., \"to\": ..., \"target\": \"rollups\" | \"cold\" | \"all\"}");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      if (!FIELDS.contains(names.next())) {
        throw invalid("the body has an unknown field; the fields are from, to, target, dry_run and rebuild");
      }
    }
    WalRecords.Bound from = bound(root, "from");
    if (from == null) {
      throw invalid("from is required: a WAL position or an RFC 3339 time");
    }
    WalRecords.Bound to = bound(root, "to");
    JsonNode target = root.get("target");
    if (target == null || !target.isTextual() || !TARGETS.contains(target.asText())) {
      throw invalid("target is required: rollups, cold or all");
    }
    if (to != null && from.isTime() == to.isTime()
        && (from.isTime() ? from.time().isAfter(to.time()) : from.position() > to.position())) {
      throw invalid("from is after to");
    }
    return new ReplayRequest(from, to, target.asText(), flag(root, "dry_run"), flag(root, "rebuild"));
  }

  /** A position or a time; null when the field is absent or JSON null. */
  private static WalRecords.Bound bound(JsonNode root, String field) {
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0) {
      return new WalRecords.Bound(value.asLong(), null);
    }
    if (value.isTextual()) {
      try {
        return WalRecords.Bound.parse(field, value.asText());
      } catch (IllegalArgumentException e) {
        throw invalid(e.getMessage());
      }
    }
    throw invalid(field + " must be a WAL position (a whole number) or an RFC 3339 time like 2026-11-21T10:00:00Z");
  }

  private static boolean flag(JsonNode root, String field) {
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw invalid(field + " must be true or false");
    }
    return value.asBoolean();
  }

  private static ReplayRefusedException invalid(String message) {
    return new ReplayRefusedException(Reason.INVALID, message);
  }
}
