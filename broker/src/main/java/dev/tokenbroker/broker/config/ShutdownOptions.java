package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * How long a graceful stop (SIGTERM) may take: readiness turns 503 at once, the token listeners
 * stop accepting and answer what is in flight, then everything closes. Past the bound the process
 * exits anyway. Keep it below the pod's {@code terminationGracePeriodSeconds}.
 */
public final class ShutdownOptions {

  public static final long DEFAULT_TIMEOUT_SECONDS = 5;

  private final long timeoutSeconds;

  public ShutdownOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("timeoutSeconds"));
    this.timeoutSeconds = r.integer("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS, 1, 300);
  }

  public long timeoutSeconds() {
    return timeoutSeconds;
  }

  public JsonObject toJson() {
    return new JsonObject().put("timeoutSeconds", timeoutSeconds);
  }
}
