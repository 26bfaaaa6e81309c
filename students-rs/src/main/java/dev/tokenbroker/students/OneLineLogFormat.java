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

/** The jar's logging: java.util.logging, one line per record, on the given stream (stdout). */
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
    StringBuilder line =
        new StringBuilder()
            .append(Instant.ofEpochMilli(record.getMillis()))
            .append(' ')
            .append(record.getLevel().getName())
            .append(" students-rs ")
            .append(formatMessage(record))
            .append(System.lineSeparator());
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.append(trace);
    }
    return line.toString();
  }
}
