package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.http.ListenerLimits;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** Where the local HTTP API listens and who may call it. */
public final class HttpOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4004;
  public static final boolean DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS = false;

  /**
   * Connections the token listener holds at once. A sidecar serves the processes of one pod or
   * host: 256 is far above what they open, and bounds what a misbehaving neighbour can hold.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 256;

  private final String host;
  private final int port;
  private final boolean allowNonLoopbackClients;
  private final ListenerLimits limits;

  public HttpOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("host", "port", "allowNonLoopbackClients", "limits"));
    this.host = r.string("host", DEFAULT_HOST);
    if (host.isBlank()) {
      throw new ConfigException(r.path("host"), "must not be empty");
    }
    this.port = (int) r.integer("port", DEFAULT_PORT, 0, 65535);
    this.allowNonLoopbackClients =
        r.bool("allowNonLoopbackClients", DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS);
    this.limits = ListenerLimits.read(r.object("limits"), DEFAULT_MAX_CONNECTIONS);
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

  /** Connection and request-head limits of the token listener. */
  public ListenerLimits limits() {
    return new ListenerLimits(limits);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("allowNonLoopbackClients", allowNonLoopbackClients)
        .put("limits", limits.toJson());
  }
}
