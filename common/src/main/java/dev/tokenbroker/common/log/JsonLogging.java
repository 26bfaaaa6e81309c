package dev.tokenbroker.common.log;

import java.io.FilterOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * A service's java.util.logging set-up: one {@link JsonLogFormatter} line per record on one stream,
 * flushed per record, INFO and up ({@code io.netty} WARNING and up). A {@code
 * -Djava.util.logging.config.file} given on the command line wins: then nothing is changed.
 *
 * <p>{@link #direct} is for shutdown hooks: the JDK resets java.util.logging in a shutdown hook of
 * its own, concurrently with ours, so records logged through a {@link Logger} there may be lost.
 */
public final class JsonLogging {

  private static volatile PrintStream stream = System.err;
  private static volatile JsonLogFormatter formatter = new JsonLogFormatter();
  private static volatile String loggerName = "";

  private JsonLogging() {}

  /**
   * Installs the JSON handler on the root logger, writing to {@code out}.
   *
   * @param name the {@code logger} of {@link #direct} lines and of records without a logger name
   */
  public static void install(PrintStream out, String name) {
    stream = out;
    loggerName = name;
    formatter = new JsonLogFormatter(name);
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler =
        new StreamHandler(unclosable(out), formatter) {
          @Override
          public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
          }
        };
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.INFO);
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
  }

  /** Writes one line straight to the stream, bypassing java.util.logging (shutdown hooks). */
  public static void direct(Level level, String message) {
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName(loggerName);
    PrintStream out = stream;
    out.print(formatter.format(record));
    out.flush();
  }

  /** The JDK closes logging handlers at exit; that must not close the stream under the hook. */
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
}
