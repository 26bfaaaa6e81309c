package dev.tokenbroker.broker.config;

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

  private final String host;
  private final int port;

  public ManagementOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("host", "port"));
    this.host = r.string("host", DEFAULT_HOST);
    if (host.isBlank()) {
      throw new ConfigException(r.path("host"), "must not be empty");
    }
    this.port = (int) r.integer("port", DEFAULT_PORT, 0, 65535);
  }

  public String host() {
    return host;
  }

  /** The port, 0 for a free one (the bound port is logged). */
  public int port() {
    return port;
  }

  public JsonObject toJson() {
    return new JsonObject().put("host", host).put("port", port);
  }
}
