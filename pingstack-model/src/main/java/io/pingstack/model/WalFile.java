package io.pingstack.model;

/**
 * One file of the log, as an operator sees it.
 *
 * @param name the file's name in the log's directory
 * @param bytes what the file holds (its records and their index): the measure {@code
 *     wal.retention_max_bytes} limits. Log files are sparse, so their apparent length says nothing.
 * @param records how many records it holds
 * @param firstPosition position of its first record; {@link Wal#NONE} when it holds none
 * @param lastPosition position of its last record; {@link Wal#NONE} when it holds none
 */
public record WalFile(String name, long bytes, long records, long firstPosition, long lastPosition) {}
