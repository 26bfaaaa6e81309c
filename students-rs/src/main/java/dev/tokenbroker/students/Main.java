package dev.tokenbroker.students;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.launch.ServiceStart;
import dev.tokenbroker.common.log.JsonLogging;
import dev.tokenbroker.common.log.ShutdownHook;
import dev.tokenbroker.students.api.AccessLogOutput;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@code java -jar students-rs.jar --config PATH}. Exit status 2 for a usage or configuration error
 * ({@code config error: <field>: <problem>} on stderr), 1 when the server cannot start. Logs one
 * line per start-up step on stdout, ending with {@code listening on http://HOST:PORT}; SIGTERM
 * closes Vert.x (and the server) through a shutdown hook.
 *
 * <p>Vert.x metrics are on: the HTTP server (and JWKS client) metrics go to the same Prometheus
 * registry as the {@link StudentsMetrics}, so {@code GET /metrics} serves both.
 */
public final class Main {

  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.students");

  private Main() {}

  public static void main(String[] args) {
    JsonLogging.install(System.out, "students-rs");
    AccessLogOutput.install(System.out, "students-rs");
    int status = start(args, System.getenv(), System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Parses arguments and configuration, deploys the verticle and returns 0 once it listens (the
   * Vert.x threads keep the JVM alive), or the exit status.
   */
  static int start(String[] args, Map<String, String> env, PrintStream err) {
    Path config = ServiceStart.configPath(args);
    if (config == null) {
      err.println("usage: java -jar students-rs.jar --config PATH");
      return 2;
    }
    StudentsOptions options;
    try {
      options = StudentsOptions.load(config, env);
    } catch (ConfigException e) {
      err.println("config error: " + e.getMessage());
      return 2;
    }
    LOG.info("config loaded from " + config + ": " + summary(options));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = vertxWithMetrics(registry);
    ShutdownHook.install(vertx, "students-shutdown");
    return ServiceStart.deploy(
        vertx,
        new StudentsVerticle(options, Clock.systemUTC(), StudentsMetrics.create(registry)),
        LOG);
  }

  /**
   * Vert.x with Micrometer metrics written to {@code registry} ({@code vertx_http_server_*} and the
   * rest); no embedded metrics server: {@code /metrics} is served on the HTTP port.
   */
  static Vertx vertxWithMetrics(PrometheusMeterRegistry registry) {
    MicrometerMetricsOptions metrics =
        new MicrometerMetricsOptions()
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
            .setRegistryName("students-rs")
            .setEnabled(true);
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }

  /** What was configured, without anything secret (there are no secrets in this config). */
  private static String summary(StudentsOptions o) {
    if (!o.isAuthEnabled()) {
      return "http=" + o.getHost() + ":" + o.getPort() + " auth=OFF";
    }
    return "http="
        + o.getHost()
        + ":"
        + o.getPort()
        + " issuer="
        + o.getToken().getIssuer()
        + " audience="
        + o.getToken().getAudience()
        + " jwks="
        + (o.getToken().getJwksUri() == null ? "(discovery)" : o.getToken().getJwksUri())
        + " algorithms="
        + o.getToken().getAlgorithms()
        + " scope="
        + o.getRequiredScope();
  }
}
