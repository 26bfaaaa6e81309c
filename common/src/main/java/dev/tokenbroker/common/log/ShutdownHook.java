package dev.tokenbroker.common.log;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * The shutdown hook both services install: logs {@code shutting down}, closes Vert.x (at most
 * {@link #CLOSE_TIMEOUT_SECONDS}) and logs {@code stopped}, through {@link JsonLogging#direct} so
 * the lines survive the JDK's concurrent logging reset.
 *
 * <p>Never call {@link System#exit} from a Vert.x thread: the hook waits for Vert.x to close, which
 * needs that very thread. {@link #exitAfterClose} closes first and exits from a thread of its own.
 */
public final class ShutdownHook {

  public static final int CLOSE_TIMEOUT_SECONDS = 10;

  private ShutdownHook() {}

  /** Registers the hook for {@code vertx}; {@code threadName} names the hook's thread. */
  public static void install(Vertx vertx, String threadName) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> close(vertx), threadName));
  }

  private static void close(Vertx vertx) {
    JsonLogging.direct(Level.INFO, "shutting down");
    Exception failure = awaitClose(vertx);
    if (failure == null) {
      JsonLogging.direct(Level.INFO, "stopped");
    } else {
      JsonLogging.direct(Level.WARNING, "shutdown did not complete cleanly: " + failure);
    }
  }

  /** Closes Vert.x, waiting at most {@link #CLOSE_TIMEOUT_SECONDS}; null when that worked. */
  private static Exception awaitClose(Vertx vertx) {
    try {
      vertx
          .close()
          .toCompletionStage()
          .toCompletableFuture()
          .get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  /**
   * Closes {@code vertx} and then exits with {@code status}, from a new non-Vert.x thread, so that
   * it is safe to call from a Vert.x callback (a failed start) and returns at once.
   */
  public static void exitAfterClose(Vertx vertx, int status) {
    Thread t =
        new Thread(
            () -> {
              Exception failure = awaitClose(vertx);
              if (failure != null) {
                JsonLogging.direct(Level.WARNING, "close before exit failed: " + failure);
              }
              System.exit(status);
            },
            "exit-" + status);
    t.start();
  }
}
