package dev.tokenbroker.students.api;

import dev.tokenbroker.common.log.JsonLogFormatter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the access log ({@code dev.tokenbroker.students.access}, one line per request) is written
 * when students-rs runs as {@code java -jar}: the same JSON lines on the same stream as every other
 * log line, but without the lock of the root handler on the request path. The shared handler
 * formats and writes each record under one monitor, which every event loop would queue on; this one
 * formats on the calling thread and, on an event loop, collects that loop's lines until the end of
 * its current turn and writes them in one call (lines never interleave: each write holds whole
 * lines). Off an event loop a line is written at once.
 *
 * <p>Not installed when {@code -Djava.util.logging.config.file} is given (that configuration wins,
 * as for the rest of the logging).
 */
public final class AccessLogOutput extends Handler {

  /** The access logger's name. */
  public static final String LOGGER = "dev.tokenbroker.students.access";

  private static final int MAX_BATCH_CHARS = 64 * 1024;

  /**
   * Held strongly: java.util.logging keeps loggers weakly, and a collected logger would come back
   * without this handler.
   */
  private static volatile Logger installedOn;

  private final PrintStream out;
  private final Formatter formatter;
  private final ThreadLocal<StringBuilder> batch = ThreadLocal.withInitial(StringBuilder::new);

  private AccessLogOutput(PrintStream out, String service) {
    this.out = out;
    this.formatter = new JsonLogFormatter(service);
    setLevel(Level.ALL);
  }

  /**
   * Sends the access log to {@code out} through this handler instead of the root logger's; a no-op
   * when a logging configuration file is given.
   */
  public static void install(PrintStream out, String service) {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    Logger access = Logger.getLogger(LOGGER);
    access.addHandler(new AccessLogOutput(out, service));
    access.setUseParentHandlers(false);
    installedOn = access;
  }

  @Override
  public void publish(LogRecord record) {
    if (!isLoggable(record)) {
      return;
    }
    String line = formatter.format(record);
    Context context = Vertx.currentContext();
    if (context == null || !Context.isOnEventLoopThread()) {
      write(line);
      return;
    }
    StringBuilder lines = batch.get();
    boolean first = lines.length() == 0;
    lines.append(line);
    if (lines.length() >= MAX_BATCH_CHARS) {
      drain(lines);
    } else if (first) {
      context.runOnContext(v -> drain(lines));
    }
  }

  private void drain(StringBuilder lines) {
    if (lines.length() > 0) {
      String text = lines.toString();
      lines.setLength(0);
      write(text);
    }
  }

  private void write(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write(bytes, 0, bytes.length);
    out.flush();
  }

  @Override
  public void flush() {
    drain(batch.get());
    out.flush();
  }

  @Override
  public void close() {
    flush();
  }
}
