package io.pingstack.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnknownFieldSet;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.PingBatch;

/** Decodes an {@code application/x-protobuf} {@link PingBatch} body and validates every ping. */
public final class ProtoPings {
  private ProtoPings() {}

  public static DecodedBatch decode(byte[] body, int offset, int length, PingRules rules, long nowMillis, int maxPings)
      throws MalformedBodyException, TooManyPingsException {
    PingBatch batch;
    try {
      CodedInputStream in = CodedInputStream.newInstance(body, offset, length);
      in.setRecursionLimit(16);
      batch = PingBatch.parseFrom(in);
    } catch (java.io.IOException e) {
      throw new MalformedBodyException("the body is not a valid pingstack.v1.PingBatch");
    }
    if (batch.getPingsCount() > maxPings) {
      throw new TooManyPingsException(maxPings);
    }
    DecodedBatch decoded = new DecodedBatch();
    for (int i = 0; i < batch.getPingsCount(); i++) {
      Ping ping = batch.getPings(i);
      if (!ping.getUnknownFields().asMap().isEmpty() || !ping.getTimestamp().getUnknownFields().asMap().isEmpty()) {
        // Unknown fields are ignored (clients upgrade first) and never stored in the log. Timestamp is the only
        // nested message; map entries drop theirs when parsed.
        Ping.Builder known = ping.toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance());
        if (ping.hasTimestamp()) {
          known.getTimestampBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance());
        }
        ping = known.build();
      }
      decoded.add(i, ping, rules, nowMillis);
    }
    return decoded;
  }
}
