package dev.tokenbroker.broker;

import dev.tokenbroker.broker.config.BrokerOptions;
import dev.tokenbroker.broker.config.ConfigException;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * {@code java -jar broker.jar --config broker.yaml}. Exit codes: 0 ok, 1 start-up failure, 2 bad
 * configuration or usage.
 */
public final class Main {

  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  private static volatile java.util.logging.Handler console;

  private Main() {}

  public static void main(String[] args) {
    long started = System.nanoTime();
    configureLogging();
    Path config = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        config = Path.of(args[++i]);
      } else if (args[i].startsWith("--config=")) {
        config = Path.of(args[i].substring("--config=".length()));
      } else if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println("usage: java -jar broker.jar --config PATH");
        return;
      } else {
        usage("unknown argument: " + args[i]);
      }
    }
    if (config == null) {
      usage("--config PATH is required");
    }
    BrokerOptions options;
    try {
      options = BrokerOptions.load(config, System::getenv);
    } catch (ConfigException e) {
      System.err.println("config error: " + e.getMessage());
      LOG.severe("config error: " + e.getMessage());
      System.exit(2);
      return;
    }
    LOG.info(
        "configuration loaded from "
            + config
            + ": "
            + options.tokens().size()
            + " token entr"
            + (options.tokens().size() == 1 ? "y" : "ies"));
    PrometheusMeterRegistry registry = BrokerMetrics.newRegistry();
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setEventLoopPoolSize(2)
                    .setWorkerPoolSize(2)
                    .setInternalBlockingPoolSize(2)
                    .setMetricsOptions(
                        new MicrometerMetricsOptions()
                            .setEnabled(true)
                            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    BrokerVerticle broker = new BrokerVerticle(options, Clock.systemUTC(), true, registry);
    long boundMillis = TimeUnit.SECONDS.toMillis(options.shutdown().timeoutSeconds());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> stopGracefully(vertx, broker, boundMillis), "broker-shutdown"));
    vertx
        .deployVerticle(broker)
        .onSuccess(
            id ->
                LOG.info(
                    "started in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                        + " ms"))
        .onFailure(
            t -> {
              LOG.severe("start-up failed: " + t.getMessage());
              System.exit(1);
            });
  }

  /**
   * SIGTERM: readiness 503 at once, the token listeners answer what is in flight and close, then
   * Vert.x closes; all within {@code boundMillis} (shutdown.timeoutSeconds), after which the JVM
   * exits anyway. Nine tenths of the bound go to draining, the rest to closing.
   */
  private static void stopGracefully(Vertx vertx, BrokerVerticle broker, long boundMillis) {
    // The JDK's LogManager detaches handlers in its own shutdown hook, racing this one, so
    // shutdown lines go straight to the console handler.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMillis);
    logDirect(Level.INFO, "shutting down: not ready, draining requests in flight");
    long drainMillis = boundMillis * 9 / 10;
    try {
      broker
          .drain(drainMillis)
          .toCompletionStage()
          .toCompletableFuture()
          .get(drainMillis + 100, TimeUnit.MILLISECONDS);
      logDirect(Level.INFO, "listeners drained");
    } catch (Exception e) {
      logDirect(Level.WARNING, "draining did not complete within " + drainMillis + " ms: " + e);
    }
    try {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      vertx.close().toCompletionStage().toCompletableFuture().get(left, TimeUnit.MILLISECONDS);
      logDirect(Level.INFO, "stopped");
    } catch (Exception e) {
      logDirect(Level.WARNING, "shutdown did not complete within the bound: " + e);
    }
  }

  private static void logDirect(Level level, String message) {
    java.util.logging.LogRecord r = new java.util.logging.LogRecord(level, message);
    r.setLoggerName(Main.class.getName());
    if (console != null) {
      console.publish(r);
      console.flush();
    }
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: java -jar broker.jar --config PATH");
    System.exit(2);
  }

  static void configureLogging() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    ConsoleHandler handler = new ConsoleHandler();
    console = handler;
    handler.setFormatter(new JsonLogFormatter());
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.INFO);
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
  }
}
