package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.http.ListenerLimits;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * A listener apart from the token API for {@code /health/*}, {@code /metrics} and {@code
 * /dashboard}: the kubelet and Prometheus connect to the pod IP, while the token API stays on
 * loopback or a Unix socket. When it is configured the token listener serves only {@code
 * /v1/token*}, and this one never serves a token endpoint.
 */
public final class ManagementOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4007;

  /**
   * Connections the management listener holds at once: the kubelet's probes, a Prometheus scrape
   * and a few dashboard pages.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;

  private final String host;
  private final int port;
  private final ListenerLimits limits;

  public ManagementOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("host", "port", "limits"));
    this.host = r.string("host", DEFAULT_HOST);
    if (host.isBlank()) {
      throw new ConfigException(r.path("host"), "must not be empty");
    }
    this.port = (int) r.integer("port", DEFAULT_PORT, 0, 65535);
    this.limits = ListenerLimits.read(r.object("limits"), DEFAULT_MAX_CONNECTIONS);
  }

  /** Connection and request-head limits of the management listener ({@code management.limits}). */
  public ListenerLimits limits() {
    return new ListenerLimits(limits);
  }

  public String host() {
    return host;
  }

  /** The port, 0 for a free one (the bound port is logged). */
  public int port() {
    return port;
  }

  public JsonObject toJson() {
    return new JsonObject().put("host", host).put("port", port).put("limits", limits.toJson());
  }
}
