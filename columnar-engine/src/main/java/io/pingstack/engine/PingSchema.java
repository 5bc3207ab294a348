package io.pingstack.engine;

import java.util.List;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Arrow schema of a ping row: one row per ping, in the order below. Every column is non-null
 * except {@code payload}; {@code version} and {@code deploy_type} are empty strings when the ping
 * had none. Timestamps are microseconds since the epoch in UTC. Maps are Arrow maps (a list of
 * {@code entries} structs of {@code key}, {@code value}), which pyarrow, DuckDB and polars read as
 * their own map types.
 */
public final class PingSchema {
  /** int64: the position of the WAL record the ping came in; the pings of one record share it. */
  public static final String WAL_POSITION = "wal_position";
  /** timestamp(us, UTC): when the gateway received the request. */
  public static final String RECEIVED_AT = "received_at";
  /** utf8: the node that accepted the request. */
  public static final String INGEST_NODE = "ingest_node";
  public static final String PING_ID = "ping_id";
  public static final String INSTANCE_ID = "instance_id";
  /** timestamp(us, UTC): the event time at the instance. */
  public static final String TIMESTAMP = "timestamp";
  public static final String EVENT = "event";
  public static final String VERSION = "version";
  public static final String DEPLOY_TYPE = "deploy_type";
  /** map&lt;utf8, float64&gt;. */
  public static final String METRICS = "metrics";
  /** map&lt;utf8, utf8&gt;. */
  public static final String DIMENSIONS = "dimensions";
  /** utf8, null when the ping had no payload: the JSON document as the client sent it. */
  public static final String PAYLOAD = "payload";

  /** Every column, in schema order. */
  public static final List<String> COLUMNS = List.of(
      WAL_POSITION, RECEIVED_AT, INGEST_NODE, PING_ID, INSTANCE_ID, TIMESTAMP,
      EVENT, VERSION, DEPLOY_TYPE, METRICS, DIMENSIONS, PAYLOAD);

  private static final ArrowType UTC_MICROS = new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
  private static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

  /** The schema itself. */
  public static final Schema SCHEMA = new Schema(List.of(
      required(WAL_POSITION, new ArrowType.Int(64, true)),
      required(RECEIVED_AT, UTC_MICROS),
      required(INGEST_NODE, ArrowType.Utf8.INSTANCE),
      required(PING_ID, ArrowType.Utf8.INSTANCE),
      required(INSTANCE_ID, ArrowType.Utf8.INSTANCE),
      required(TIMESTAMP, UTC_MICROS),
      required(EVENT, ArrowType.Utf8.INSTANCE),
      required(VERSION, ArrowType.Utf8.INSTANCE),
      required(DEPLOY_TYPE, ArrowType.Utf8.INSTANCE),
      map(METRICS, FLOAT64),
      map(DIMENSIONS, ArrowType.Utf8.INSTANCE),
      new Field(PAYLOAD, FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));

  private PingSchema() {}

  private static Field required(String name, ArrowType type) {
    return new Field(name, FieldType.notNullable(type), null);
  }

  private static Field map(String name, ArrowType valueType) {
    Field entries = new Field(MapVector.DATA_VECTOR_NAME, FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
        required(MapVector.KEY_NAME, ArrowType.Utf8.INSTANCE),
        required(MapVector.VALUE_NAME, valueType)));
    return new Field(name, FieldType.notNullable(new ArrowType.Map(false)), List.of(entries));
  }
}
