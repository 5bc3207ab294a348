package io.pingstack.model;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The pings of one request after decoding and validation: the valid ones in request order, each
 * with its index in the request, and the refused ones with their reasons. Not thread-safe: {@link
 * #valid()} parses on first use the pings decoding did not need to.
 *
 * <p>A valid ping that arrived as protobuf may keep the range of the request body it came in:
 * {@link #encodeRecord} then copies those bytes into the WAL record instead of serializing the ping
 * again. Parsing them gives the same ping, so the log holds what was validated. A ping {@link
 * PingScan} validated in place is only that range (and its ids' ranges) until {@link #valid()}.
 */
public final class DecodedBatch {
  /** One refused ping. {@code pingId} is empty when the ping had no usable id. */
  public record Rejected(int index, String pingId, Reason reason) {}

  /** Receives the ids of the {@code i}-th valid ping as UTF-8 ranges, for {@link #visitIds}. */
  public interface IdVisitor {
    void ping(int i, byte[] instanceId, int instanceIdOffset, int instanceIdLength, byte[] pingId, int pingIdOffset,
        int pingIdLength);
  }

  private static final int WAL_PINGS_TAG = (WalRecord.PINGS_FIELD_NUMBER << 3) | 2;

  /** The valid pings; null for one {@link PingScan} found valid in the body, until {@link #valid()} parses it. */
  private final List<Ping> valid = new ArrayList<>();
  private int[] validIndex = new int[4];
  private final List<Rejected> rejected = new ArrayList<>();
  private final byte[] body;
  private int[] rawOffset = new int[4];
  private int[] rawLength = new int[4];
  /** Per valid ping the body came with: its instance id's offset and length, then its ping id's. */
  private int[] idRanges = new int[16];

  DecodedBatch() {
    this(null);
  }

  /** A batch whose valid pings may name ranges of {@code body}, which must not change afterwards. */
  DecodedBatch(byte[] body) {
    this.body = body;
  }

  /** Validates pings built in memory by a protocol adapter, each filed under its index in {@code pings}. */
  public static DecodedBatch validate(List<Ping> pings, PingRules rules, long nowMillis) {
    DecodedBatch batch = new DecodedBatch();
    for (int i = 0; i < pings.size(); i++) {
      batch.add(i, pings.get(i), rules, nowMillis);
    }
    return batch;
  }

  private void addValid(int index, Ping ping, int offset, int length) {
    int n = valid.size();
    if (n == validIndex.length) {
      validIndex = java.util.Arrays.copyOf(validIndex, n * 2);
      rawOffset = java.util.Arrays.copyOf(rawOffset, n * 2);
      rawLength = java.util.Arrays.copyOf(rawLength, n * 2);
      idRanges = java.util.Arrays.copyOf(idRanges, n * 8);
    }
    validIndex[n] = index;
    rawOffset[n] = offset;
    rawLength[n] = length;
    valid.add(ping);
  }

  /** Files under {@code index} the ping that is {@code body[offset, offset + length)}, which {@code scan} has just found valid. */
  void addScanned(int index, int offset, int length, PingScan scan) {
    int n = valid.size();
    addValid(index, null, offset, length);
    idRanges[4 * n] = scan.instanceIdOffset;
    idRanges[4 * n + 1] = scan.instanceIdLength;
    idRanges[4 * n + 2] = scan.pingIdOffset;
    idRanges[4 * n + 3] = scan.pingIdLength;
  }

  void addRejected(int index, String pingId, Reason reason) {
    String reportable = pingId == null || pingId.length() > PingRules.MAX_PING_ID ? "" : pingId;
    rejected.add(new Rejected(index, reportable, reason));
  }

  /** Validates {@code ping} and files it as valid or rejected under {@code index}. */
  void add(int index, Ping ping, PingRules rules, long nowMillis) {
    add(index, ping, -1, 0, rules, nowMillis);
  }

  /** As {@link #add(int, Ping, PingRules, long)}, for a ping that is exactly {@code body[offset, offset + length)}. */
  void add(int index, Ping ping, int offset, int length, PingRules rules, long nowMillis) {
    Reason reason = rules.check(ping, nowMillis);
    if (reason == null) {
      addValid(index, ping, offset, length);
    } else {
      addRejected(index, ping.getPingId(), reason);
    }
  }

  /** The valid pings in request order; those that were not parsed while decoding are parsed now. */
  public List<Ping> valid() {
    for (int i = 0; i < valid.size(); i++) {
      if (valid.get(i) == null) {
        try {
          valid.set(i, Ping.parser().parseFrom(body, rawOffset[i], rawLength[i]));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("a ping found valid no longer parses", e);
        }
      }
    }
    return Collections.unmodifiableList(valid);
  }

  public int validCount() {
    return valid.size();
  }

  /** Hands each valid ping's instance id and ping id to {@code visitor}, in request order, without parsing a ping. */
  public void visitIds(IdVisitor visitor) {
    for (int i = 0; i < valid.size(); i++) {
      Ping ping = valid.get(i);
      if (ping == null) {
        visitor.ping(i, body, idRanges[4 * i], idRanges[4 * i + 1], body, idRanges[4 * i + 2], idRanges[4 * i + 3]);
      } else {
        byte[] instanceId = ping.getInstanceId().getBytes(StandardCharsets.UTF_8);
        byte[] pingId = ping.getPingId().getBytes(StandardCharsets.UTF_8);
        visitor.ping(i, instanceId, 0, instanceId.length, pingId, 0, pingId.length);
      }
    }
  }

  /** The index in the request of the {@code i}-th valid ping. */
  public int validIndex(int i) {
    return validIndex[i];
  }

  public List<Rejected> rejected() {
    return Collections.unmodifiableList(rejected);
  }

  public int total() {
    return valid.size() + rejected.size();
  }

  /**
   * Encodes a {@code pingstack.v1.WalRecord} with {@code header}'s fields (it must hold no pings)
   * and the valid pings for which {@code include[i]} is true, or all of them when {@code include}
   * is null.
   */
  public byte[] encodeRecord(WalRecord header, boolean[] include) {
    if (header.getPingsCount() != 0) {
      throw new IllegalArgumentException("a WAL record header holds no pings");
    }
    byte[] head = header.toByteArray();
    int n = valid.size();
    byte[][] serialized = new byte[n][];
    int size = head.length;
    for (int i = 0; i < n; i++) {
      if (include != null && !include[i]) {
        continue;
      }
      int length = rawLength[i];
      if (rawOffset[i] < 0) {
        serialized[i] = valid.get(i).toByteArray();
        length = serialized[i].length;
      }
      size += 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }
    byte[] record = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(record);
    try {
      out.writeRawBytes(head);
      for (int i = 0; i < n; i++) {
        if (include != null && !include[i]) {
          continue;
        }
        out.writeUInt32NoTag(WAL_PINGS_TAG);
        if (serialized[i] != null) {
          out.writeUInt32NoTag(serialized[i].length);
          out.writeRawBytes(serialized[i]);
        } else {
          out.writeUInt32NoTag(rawLength[i]);
          out.writeRawBytes(body, rawOffset[i], rawLength[i]);
        }
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return record;
  }
}
