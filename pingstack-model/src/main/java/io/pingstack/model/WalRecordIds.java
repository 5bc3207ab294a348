package io.pingstack.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.pingstack.model.proto.Ping;
import io.pingstack.model.proto.WalRecord;
import java.io.IOException;

/**
 * Reads only what deduplication needs from an encoded {@link WalRecord}: its {@code
 * received_at_micros} and each ping's {@code instance_id} and {@code ping_id}, as ranges of the
 * record's bytes, without building messages. Rebuilding the dedup window at start reads millions of
 * pings this way; parsing them whole (maps, payloads) took most of the restart.
 */
public final class WalRecordIds {
  private static final int RECEIVED_AT_TAG = tag(WalRecord.RECEIVED_AT_MICROS_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
  private static final int PINGS_TAG = tag(WalRecord.PINGS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int PING_ID_TAG = tag(Ping.PING_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int INSTANCE_ID_TAG = tag(Ping.INSTANCE_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  /** Receives one ping's ids as UTF-8 ranges of the record (an absent id is an empty range). */
  public interface Visitor {
    void ping(byte[] record, int instanceIdOffset, int instanceIdLength, int pingIdOffset, int pingIdLength);
  }

  private WalRecordIds() {}

  private static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }

  /** Visits every ping of {@code record} in order and returns the record's {@code received_at_micros}. */
  public static long read(long position, byte[] record, Visitor visitor) {
    return read(position, record, record.length, visitor);
  }

  /**
   * As {@link #read(long, byte[], Visitor)}, for a record that is {@code record[0, length)}. Reads
   * through one stream, a limit pushed per ping: nothing is allocated per ping.
   */
  public static long read(long position, byte[] record, int length, Visitor visitor) {
    long receivedAtMicros = 0;
    try {
      CodedInputStream in = CodedInputStream.newInstance(record, 0, length);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == RECEIVED_AT_TAG) {
          receivedAtMicros = in.readInt64();
        } else if (tag == PINGS_TAG) {
          int limit = in.pushLimit(in.readRawVarint32());
          readPing(in, record, visitor);
          in.popLimit(limit);
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException | IndexOutOfBoundsException e) {
      throw new WalCorruptException(position, e);
    }
    return receivedAtMicros;
  }

  /** Reads one ping up to the stream's limit; offsets count from the record's first byte. */
  private static void readPing(CodedInputStream in, byte[] record, Visitor visitor) throws IOException {
    int instanceOffset = 0;
    int instanceLength = 0;
    int pingIdOffset = 0;
    int pingIdLength = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == PING_ID_TAG || tag == INSTANCE_ID_TAG) {
        int size = in.readRawVarint32();
        int offset = in.getTotalBytesRead();
        in.skipRawBytes(size);
        if (tag == PING_ID_TAG) {
          pingIdOffset = offset;
          pingIdLength = size;
        } else {
          instanceOffset = offset;
          instanceLength = size;
        }
      } else {
        in.skipField(tag);
      }
    }
    visitor.ping(record, instanceOffset, instanceLength, pingIdOffset, pingIdLength);
  }
}
