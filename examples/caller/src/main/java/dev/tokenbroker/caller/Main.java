package dev.tokenbroker.caller;

import dev.tokenbroker.caller.config.CallerOptions;
import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.launch.ServiceStart;
import dev.tokenbroker.common.log.JsonLogging;
import dev.tokenbroker.common.log.ShutdownHook;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@code java -jar caller.jar --config PATH}. Exit status 2 for a usage or configuration error
 * ({@code config error: <field>: <problem>} on stderr), 1 when the server cannot start. Logs JSON
 * lines on stdout, ending with {@code listening on http://HOST:PORT}; SIGTERM closes Vert.x.
 */
public final class Main {

  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.caller");

  private Main() {}

  public static void main(String[] args) {
    JsonLogging.install(System.out, "caller");
    int status = start(args, System.getenv(), System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  static int start(String[] args, Map<String, String> env, PrintStream err) {
    Path config = ServiceStart.configPath(args);
    if (config == null) {
      err.println("usage: java -jar caller.jar --config PATH");
      return 2;
    }
    CallerOptions options;
    try {
      options = CallerOptions.load(config, env);
    } catch (ConfigException e) {
      err.println("config error: " + e.getMessage());
      return 2;
    }
    LOG.info("config loaded from " + config + ": " + options);
    Vertx vertx = Vertx.vertx();
    ShutdownHook.install(vertx, "caller-shutdown");
    return ServiceStart.deploy(vertx, new CallerVerticle(options), LOG);
  }
}
