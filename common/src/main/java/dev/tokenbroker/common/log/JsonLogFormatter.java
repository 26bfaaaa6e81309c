package dev.tokenbroker.common.log;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line: {@code ts}, {@code level}, {@code logger}, {@code message}, and {@code
 * request_id} / {@code error} when present. Messages are written by our code, which never puts a
 * token or a secret in them.
 *
 * <p>The request id comes from {@link #REQUEST_ID} (set by a request handler around synchronous
 * work on its thread) or, for records logged later (an access log written when the response ends),
 * from a {@link RequestId} among the record's parameters.
 */
public final class JsonLogFormatter extends Formatter {

  /** Set by request handlers (on the event-loop thread) to tag log lines with the request id. */
  public static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();

  /** A record parameter carrying the request id of the line. */
  public record RequestId(String value) {}

  private final String defaultLogger;

  public JsonLogFormatter() {
    this(null);
  }

  /**
   * @param defaultLogger the {@code logger} field of records without a logger name
   */
  public JsonLogFormatter(String defaultLogger) {
    this.defaultLogger = defaultLogger;
  }

  @Override
  public String format(LogRecord r) {
    JsonObject line =
        new JsonObject()
            .put("ts", Instant.ofEpochMilli(r.getMillis()).toString())
            .put("level", r.getLevel().getName())
            .put("logger", r.getLoggerName() == null ? defaultLogger : r.getLoggerName())
            .put("message", formatMessage(r));
    String requestId = requestId(r);
    if (requestId != null) {
      line.put("request_id", requestId);
    }
    if (r.getThrown() != null) {
      StringWriter sw = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(sw));
      line.put("error", sw.toString());
    }
    return line.encode() + System.lineSeparator();
  }

  private static String requestId(LogRecord r) {
    Object[] params = r.getParameters();
    if (params != null) {
      for (Object p : params) {
        if (p instanceof RequestId id && id.value() != null) {
          return id.value();
        }
      }
    }
    return REQUEST_ID.get();
  }
}
