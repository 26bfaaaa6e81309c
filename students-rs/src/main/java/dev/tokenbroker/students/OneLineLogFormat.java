package dev.tokenbroker.students;

import java.io.FilterOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The jar's logging: java.util.logging, one JSON object per line ({@code ts}, {@code level}, {@code
 * logger}, {@code message}, and {@code request_id} for access-log records), on the given stream
 * (stdout). Messages never contain a token: the access log names the client, not the credential.
 */
final class OneLineLogFormat extends Formatter {

  private static volatile PrintStream stream = System.out;

  private OneLineLogFormat() {}

  /**
   * Writes one INFO line straight to the stream. For the shutdown hook: the JDK resets
   * java.util.logging in its own hook, concurrently, so records logged there may be lost.
   */
  static void direct(String message) {
    LogRecord record = new LogRecord(Level.INFO, message);
    stream.print(new OneLineLogFormat().format(record));
    stream.flush();
  }

  static void install(PrintStream out) {
    stream = out;
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler =
        new StreamHandler(unclosable(out), new OneLineLogFormat()) {
          @Override
          public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
          }
        };
    handler.setLevel(Level.INFO);
    root.setLevel(Level.INFO);
    root.addHandler(handler);
  }

  /** The JDK closes logging handlers at exit; that must not close stdout under the hook. */
  private static OutputStream unclosable(PrintStream target) {
    return new FilterOutputStream(target) {
      @Override
      public void write(byte[] b, int off, int len) {
        target.write(b, off, len);
      }

      @Override
      public void close() {
        target.flush();
      }
    };
  }

  @Override
  public String format(LogRecord record) {
    io.vertx.core.json.JsonObject line =
        new io.vertx.core.json.JsonObject()
            .put("ts", Instant.ofEpochMilli(record.getMillis()).toString())
            .put("level", record.getLevel().getName())
            .put("logger", record.getLoggerName() == null ? "students-rs" : record.getLoggerName())
            .put("message", formatMessage(record));
    Object[] params = record.getParameters();
    if ("dev.tokenbroker.students.access".equals(record.getLoggerName())
        && params != null
        && params.length == 1
        && params[0] instanceof String id) {
      line.put("request_id", id);
    }
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.put("error", trace.toString());
    }
    return line.encode() + System.lineSeparator();
  }
}
