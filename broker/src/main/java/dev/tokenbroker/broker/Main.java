package dev.tokenbroker.broker;

import dev.tokenbroker.broker.cluster.FleetCipher;
import dev.tokenbroker.broker.cluster.FleetNode;
import dev.tokenbroker.broker.config.BrokerOptions;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.log.JsonLogging;
import dev.tokenbroker.common.log.ShutdownHook;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code java -jar broker.jar --config broker.yaml}. Exit codes: 0 ok, 1 start-up failure, 2 bad
 * configuration or usage.
 */
public final class Main {

  private static final Logger LOG = Logger.getLogger(Main.class.getName());

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
    VertxOptions vertxOptions =
        new VertxOptions()
            .setEventLoopPoolSize(2)
            .setWorkerPoolSize(2)
            .setInternalBlockingPoolSize(2)
            .setMetricsOptions(metricsOptions());
    // Fleet mode only: without cluster.enabled no Hazelcast instance is created.
    FleetNode fleet = options.cluster().enabled() ? fleetNode(options, vertxOptions) : null;
    VertxBuilder builder =
        Vertx.builder().with(vertxOptions).withMetrics(new MicrometerMetricsFactory(registry));
    Vertx vertx = fleet == null ? builder.build() : join(fleet, builder);
    BrokerVerticle broker =
        new BrokerVerticle(options, Clock.systemUTC(), true, registry).fleet(fleet);
    ShutdownHook.install(
        vertx,
        "broker-shutdown",
        broker::drain,
        TimeUnit.SECONDS.toMillis(options.shutdown().timeoutSeconds()));
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
              // Not System.exit here: this is an event-loop thread, which the shutdown hook's
              // vertx.close() needs (it stalled for the hook's whole 10 s timeout).
              ShutdownHook.exitAfterClose(vertx, 1);
            });
  }

  /**
   * Vert.x's own meters, in the broker's registry, without the per-request and per-read ones: the
   * HTTP-server category (a timer, two summaries and tag lookups on every request of every
   * listener: about a tenth of the token listener's event loop) and the net-server category (the
   * TCP bridge's reads and writes). The broker counts what it serves itself ({@code
   * token_broker_token_requests_total}, {@code token_broker_http_*}, {@code
   * token_broker_rejected_requests_total}); event-bus, HTTP-client and pool meters stay.
   */
  static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
  }

  /** Reads the cluster secret (exit 2 when unusable) and sets the clustered event bus options. */
  private static FleetNode fleetNode(BrokerOptions options, VertxOptions vertxOptions) {
    FleetCipher cipher;
    try {
      cipher = FleetCipher.fromFile(options.cluster().secretFile());
    } catch (java.io.IOException | IllegalArgumentException e) {
      String reason =
          e instanceof java.io.IOException
              ? "cannot read "
                  + options.cluster().secretFile()
                  + " ("
                  + e.getClass().getSimpleName()
                  + ")"
              : e.getMessage();
      System.err.println("config error: cluster.secretFile: " + reason);
      LOG.severe("config error: cluster.secretFile: " + reason);
      System.exit(2);
      return null;
    }
    vertxOptions.setEventBusOptions(FleetNode.eventBusOptions(options.cluster()));
    return FleetNode.create(options.cluster(), cipher);
  }

  /**
   * Joins the cluster (blocking the main thread, before anything is deployed); exit 1 on failure.
   */
  private static Vertx join(FleetNode fleet, VertxBuilder builder) {
    try {
      return fleet
          .join(builder)
          .toCompletionStage()
          .toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.severe("start-up failed: could not join the cluster: " + e);
      System.exit(1);
      return null;
    }
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: java -jar broker.jar --config PATH");
    System.exit(2);
  }

  static void configureLogging() {
    JsonLogging.install(System.err, Main.class.getName());
  }
}
