package dev.tokenbroker.common.http;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where expected hostile input goes: every rejection is counted (through {@code counter}, e.g. a
 * {@code *_rejected_requests_total{reason}} metric), and logged at most once per reason per
 * interval, as one WARNING line without a stack trace, saying how many of the same kind were
 * suppressed since the previous line. Reasons are fixed texts chosen by the code, never request
 * data. Thread-safe.
 */
public final class RejectionLog {

  public static final long DEFAULT_INTERVAL_SECONDS = 60;

  private final Logger log;
  private final Consumer<String> counter;
  private final LongSupplier nanoTime;
  private final long intervalNanos;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  private static final class Window {
    final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong suppressed = new AtomicLong();
  }

  /**
   * @param loggerName the logger the lines go to
   * @param counter called with the reason of every rejection
   * @param nanoTime the clock ({@code System::nanoTime}; tests pass their own)
   */
  public RejectionLog(
      String loggerName, Consumer<String> counter, LongSupplier nanoTime, long intervalSeconds) {
    this.log = Logger.getLogger(loggerName);
    this.counter = Objects.requireNonNull(counter);
    this.nanoTime = nanoTime;
    this.intervalNanos = TimeUnit.SECONDS.toNanos(intervalSeconds);
  }

  /** With {@link System#nanoTime()} and the default interval. */
  public static RejectionLog create(String loggerName, Consumer<String> counter) {
    return new RejectionLog(loggerName, counter, System::nanoTime, DEFAULT_INTERVAL_SECONDS);
  }

  /** Counts one rejection; logs it unless one of the same reason was logged within the interval. */
  public void reject(String reason, String detail) {
    reject(reason, reason, detail);
  }

  /**
   * Counts one rejection under {@code reason}; logs it unless one of the same {@code kind} (a finer
   * fixed text, such as the frame problem behind a {@code bridge_malformed_frame}) was logged
   * within the interval.
   */
  public void reject(String reason, String kind, String detail) {
    counter.accept(reason);
    Window w = windows.computeIfAbsent(kind, r -> new Window());
    long now = nanoTime.getAsLong();
    long last = w.lastLogged.get();
    if (last != Long.MIN_VALUE && now - last < intervalNanos) {
      w.suppressed.incrementAndGet();
      return;
    }
    if (!w.lastLogged.compareAndSet(last, now)) {
      w.suppressed.incrementAndGet();
      return;
    }
    long more = w.suppressed.getAndSet(0);
    if (log.isLoggable(Level.WARNING)) {
      log.warning(
          "rejected request: reason="
              + reason
              + (detail == null ? "" : " (" + detail + ")")
              + (more > 0 ? "; " + more + " more of this kind since the previous line" : "")
              + "; logged at most once per "
              + TimeUnit.NANOSECONDS.toSeconds(intervalNanos)
              + " s");
    }
  }

  /** A short description of a failure for a log line: its class and message, never a trace. */
  public static String describe(Throwable t) {
    if (t == null) {
      return null;
    }
    String message = t.getMessage();
    if (message != null && message.length() > 120) {
      message = message.substring(0, 120) + "...";
    }
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + sanitize(message));
  }

  private static String sanitize(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }
}
