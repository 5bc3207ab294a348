package io.pingstack.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;
import java.io.IOException;
import java.util.Map;

/**
 * Decodes an {@code application/x-protobuf} {@link PingBatch} body and validates every ping. The
 * batch is walked field by field so that each ping's byte range is known: a valid ping without
 * unknown fields is logged as those very bytes (see {@link DecodedBatch#encodeRecord}). A ping that
 * {@link PingScan} finds valid as sent, as clients send them, is not parsed at all; the others are
 * parsed, validated, and re-encoded for the log when their bytes hold more than their fields.
 */
public final class ProtoPings {
  private static final int PINGS_TAG = (PingBatch.PINGS_FIELD_NUMBER << 3) | 2;
  private static final int RECURSION_LIMIT = 16;

  private ProtoPings() {}

  public static DecodedBatch decode(byte[] body, int offset, int length, PingRules rules, long nowMillis, int maxPings)
      throws MalformedBodyException, TooManyPingsException {
    DecodedBatch decoded = new DecodedBatch(body);
    PingScan scan = new PingScan(rules, nowMillis);
    int index = 0;
    try {
      CodedInputStream in = CodedInputStream.newInstance(body, offset, length);
      in.setRecursionLimit(RECURSION_LIMIT);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag != PINGS_TAG) {
          in.skipField(tag); // unknown fields of the batch are ignored
          continue;
        }
        int size = in.readRawVarint32();
        if (size < 0 || size > in.getBytesUntilLimit()) {
          throw new MalformedBodyException("the body is not a valid pingstack.v1.PingBatch");
        }
        if (index == maxPings) {
          throw new TooManyPingsException(maxPings);
        }
        int start = offset + in.getTotalBytesRead();
        if (scan.validAsSent(body, start, size)) {
          decoded.addScanned(index++, start, size, scan);
          in.skipRawBytes(size);
          continue;
        }
        CodedInputStream pingIn = CodedInputStream.newInstance(body, start, size);
        pingIn.setRecursionLimit(RECURSION_LIMIT - 1);
        Ping ping = Ping.parser().parseFrom(pingIn);
        in.skipRawBytes(size);
        if (!ping.getUnknownFields().asMap().isEmpty() || !ping.getTimestamp().getUnknownFields().asMap().isEmpty()) {
          // Unknown fields are ignored (clients upgrade first) and never stored in the log. Timestamp is the only
          // nested message; map entries drop theirs when parsed.
          Ping.Builder known = ping.toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance());
          if (ping.hasTimestamp()) {
            known.getTimestampBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance());
          }
          decoded.add(index, known.build(), rules, nowMillis);
        } else if (encodedSize(ping) == size) {
          // Nothing in the bytes beyond what was parsed (no unknown fields in map entries, no repeated
          // or default-valued fields): the log may take them as they are.
          decoded.add(index, ping, start, size, rules, nowMillis);
        } else {
          decoded.add(index, ping, rules, nowMillis);
        }
        index++;
      }
    } catch (IOException e) {
      throw new MalformedBodyException("the body is not a valid pingstack.v1.PingBatch");
    }
    return decoded;
  }

  /**
   * {@code ping.getSerializedSize()} without its cost: the generated method builds a map entry
   * message per metric and dimension to size it. Sized here from the same rules (a map entry always
   * holds its key and value); a field this does not know of makes the sizes differ, which only sends
   * the ping down the re-encoding path. A test holds the two equal over every field.
   */
  static int encodedSize(Ping ping) {
    int size = stringSize(Ping.PING_ID_FIELD_NUMBER, ping.getPingId())
        + stringSize(Ping.INSTANCE_ID_FIELD_NUMBER, ping.getInstanceId())
        + stringSize(Ping.EVENT_FIELD_NUMBER, ping.getEvent())
        + stringSize(Ping.VERSION_FIELD_NUMBER, ping.getVersion())
        + stringSize(Ping.DEPLOY_TYPE_FIELD_NUMBER, ping.getDeployType())
        + stringSize(Ping.PAYLOAD_FIELD_NUMBER, ping.getPayload());
    if (ping.hasTimestamp()) {
      size += CodedOutputStream.computeMessageSize(Ping.TIMESTAMP_FIELD_NUMBER, ping.getTimestamp());
    }
    for (Map.Entry<String, Double> metric : ping.getMetricsMap().entrySet()) {
      size += entrySize(Ping.METRICS_FIELD_NUMBER, CodedOutputStream.computeStringSize(1, metric.getKey())
          + CodedOutputStream.computeDoubleSize(2, metric.getValue()));
    }
    for (Map.Entry<String, String> dimension : ping.getDimensionsMap().entrySet()) {
      size += entrySize(Ping.DIMENSIONS_FIELD_NUMBER, CodedOutputStream.computeStringSize(1, dimension.getKey())
          + CodedOutputStream.computeStringSize(2, dimension.getValue()));
    }
    return size;
  }

  private static int stringSize(int field, String value) {
    return value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, value);
  }

  private static int entrySize(int field, int entry) {
    return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
  }
}
