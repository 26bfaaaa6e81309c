package dev.tokenbroker.common.launch;

import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.logging.Logger;

/**
 * The start of a service's {@code main}: the {@code --config PATH} argument, then one verticle
 * deployed and waited for (from the main thread, never an event loop).
 */
public final class ServiceStart {

  private ServiceStart() {}

  /** {@code --config PATH} or {@code --config=PATH}; null when absent. */
  public static Path configPath(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    return null;
  }

  /**
   * Deploys {@code verticle} and waits until it started: 0, the Vert.x threads keep the JVM alive;
   * or 1 after logging why on {@code log} and closing Vert.x.
   */
  public static int deploy(Vertx vertx, Deployable verticle, Logger log) {
    try {
      vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get();
      return 0;
    } catch (ExecutionException | InterruptedException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      log.severe("start failed: " + cause);
      vertx.close();
      return 1;
    }
  }
}
