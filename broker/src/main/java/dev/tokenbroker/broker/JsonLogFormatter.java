package dev.tokenbroker.broker;

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
 */
public final class JsonLogFormatter extends Formatter {

  /** Set by request handlers (on the event-loop thread) to tag log lines with the request id. */
  public static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();

  @Override
  public String format(LogRecord r) {
    JsonObject line =
        new JsonObject()
            .put("ts", Instant.ofEpochMilli(r.getMillis()).toString())
            .put("level", r.getLevel().getName())
            .put("logger", r.getLoggerName())
            .put("message", formatMessage(r));
    String requestId = REQUEST_ID.get();
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
}
