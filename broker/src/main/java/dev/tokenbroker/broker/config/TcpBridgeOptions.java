package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** The TCP event-bus bridge that lets co-located processes in any language use the event bus. */
public final class TcpBridgeOptions {

  public static final boolean DEFAULT_ENABLED = true;
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4005;

  private final boolean enabled;
  private final String host;
  private final int port;

  public TcpBridgeOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("enabled", "host", "port"));
    this.enabled = r.bool("enabled", DEFAULT_ENABLED);
    this.host = r.string("host", DEFAULT_HOST);
    this.port = (int) r.integer("port", DEFAULT_PORT, 0, 65535);
  }

  public boolean enabled() {
    return enabled;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled).put("host", host).put("port", port);
  }
}
