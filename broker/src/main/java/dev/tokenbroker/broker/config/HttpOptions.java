package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** Where the local HTTP API listens and who may call it. */
public final class HttpOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4004;
  public static final boolean DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS = false;

  private final String host;
  private final int port;
  private final boolean allowNonLoopbackClients;

  public HttpOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("host", "port", "allowNonLoopbackClients"));
    this.host = r.string("host", DEFAULT_HOST);
    if (host.isBlank()) {
      throw new ConfigException(r.path("host"), "must not be empty");
    }
    this.port = (int) r.integer("port", DEFAULT_PORT, 0, 65535);
    this.allowNonLoopbackClients =
        r.bool("allowNonLoopbackClients", DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS);
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public boolean allowNonLoopbackClients() {
    return allowNonLoopbackClients;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("allowNonLoopbackClients", allowNonLoopbackClients);
  }
}
