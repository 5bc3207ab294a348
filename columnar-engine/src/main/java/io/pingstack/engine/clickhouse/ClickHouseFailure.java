package io.pingstack.engine.clickhouse;

import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request to ClickHouse failed. {@link #code()} is the server's error code when it answered with
 * one (parsed from the message: 18.16's format is not the one the client parses), or
 * {@link #NO_CODE} when the request never got an answer (refused, reset, timed out).
 */
final class ClickHouseFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;
  static final int NO_CODE = -1;
  static final int UNKNOWN_TABLE = 60;
  static final int UNKNOWN_DATABASE = 81;

  /**
   * Codes with which ClickHouse refuses the data itself: the same rows fail the same way every time,
   * so they are bisected out into the quarantine. Everything else (too many parts, no disk space,
   * memory, timeouts, a server going away) is an outage: retried with backoff, nothing quarantined.
   */
  private static final Set<Integer> DATA_ERRORS = Set.of(
      6, // CANNOT_PARSE_TEXT
      26, // CANNOT_PARSE_QUOTED_STRING
      27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
      38, // CANNOT_PARSE_DATE
      41, // CANNOT_PARSE_DATETIME
      53, // TYPE_MISMATCH
      69, // ARGUMENT_OUT_OF_BOUND
      70, // CANNOT_CONVERT_TYPE
      72, // CANNOT_PARSE_NUMBER
      117, // INCORRECT_DATA
      131, // TOO_LARGE_STRING_SIZE
      190, // SIZES_OF_ARRAYS_DOESNT_MATCH
      321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
      395, // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO
      469 // VIOLATED_CONSTRAINT
  );
  private static final Pattern CODE = Pattern.compile("Code: (\\d+)");

  private final int code;

  private ClickHouseFailure(String message, int code, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Wraps what a client call threw, naming what was being done. */
  static ClickHouseFailure of(String doing, Throwable thrown) {
    Throwable cause = thrown;
    while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ClickHouseFailure failure) {
      return failure;
    }
    int code = NO_CODE;
    for (Throwable t = cause; t != null && code == NO_CODE; t = t.getCause()) {
      // The server's answer: "Code: 395, e.displayText() = …" (18.16) or "Code: 395. DB::Exception: …".
      code = codeIn(t.getMessage());
    }
    String text = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return new ClickHouseFailure(doing + ": " + firstLine(text), code, cause);
  }

  static int codeIn(String message) {
    if (message == null) {
      return NO_CODE;
    }
    Matcher m = CODE.matcher(message);
    return m.find() ? Integer.parseInt(m.group(1)) : NO_CODE;
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    String line = newline < 0 ? text : text.substring(0, newline);
    return line.length() > 1_000 ? line.substring(0, 1_000) + "…" : line;
  }

  int code() {
    return code;
  }

  /** ClickHouse refused the rows themselves (see {@link #DATA_ERRORS}). */
  boolean rejectsData() {
    return DATA_ERRORS.contains(code);
  }

  /** The label of the {@code reason} of a failure metric: the server's code, or {@code no_answer}. */
  String reason() {
    return code == NO_CODE ? "no_answer" : "code_" + code;
  }
}
