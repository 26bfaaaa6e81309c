package dev.tokenbroker.common.log;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
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
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> close(vertx, null, TimeUnit.SECONDS.toMillis(CLOSE_TIMEOUT_SECONDS)),
                threadName));
  }

  /**
   * A graceful stop within {@code boundMillis}: {@code drain} gets nine tenths of the bound (it
   * turns readiness off and answers the requests in flight, given the milliseconds it may take),
   * then Vert.x closes in what is left. Past the bound the JVM exits anyway.
   */
  public static void install(
      Vertx vertx, String threadName, LongFunction<Future<?>> drain, long boundMillis) {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> close(vertx, drain, boundMillis), threadName));
  }

  private static void close(Vertx vertx, LongFunction<Future<?>> drain, long boundMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMillis);
    if (drain == null) {
      JsonLogging.direct(Level.INFO, "shutting down");
    } else {
      JsonLogging.direct(Level.INFO, "shutting down: not ready, draining requests in flight");
      long drainMillis = boundMillis * 9 / 10;
      try {
        drain
            .apply(drainMillis)
            .toCompletionStage()
            .toCompletableFuture()
            .get(drainMillis + 100, TimeUnit.MILLISECONDS);
        JsonLogging.direct(Level.INFO, "listeners drained");
      } catch (Exception e) {
        JsonLogging.direct(
            Level.WARNING, "draining did not complete within " + drainMillis + " ms: " + e);
      }
    }
    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    Exception failure = awaitClose(vertx, left);
    if (failure == null) {
      JsonLogging.direct(Level.INFO, "stopped");
    } else {
      JsonLogging.direct(Level.WARNING, "shutdown did not complete within the bound: " + failure);
    }
  }

  /** Closes Vert.x, waiting at most {@code timeoutMillis}; null when that worked. */
  private static Exception awaitClose(Vertx vertx, long timeoutMillis) {
    try {
      vertx
          .close()
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeoutMillis, TimeUnit.MILLISECONDS);
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
              Exception failure =
                  awaitClose(vertx, TimeUnit.SECONDS.toMillis(CLOSE_TIMEOUT_SECONDS));
              if (failure != null) {
                JsonLogging.direct(Level.WARNING, "close before exit failed: " + failure);
              }
              System.exit(status);
            },
            "exit-" + status);
    t.start();
  }
}
