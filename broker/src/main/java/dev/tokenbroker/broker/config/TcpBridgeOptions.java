package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The TCP event-bus bridge that lets co-located processes in any language use the event bus, and
 * the limits that keep one misbehaving neighbour from exhausting it: frame size, connections,
 * outstanding requests per connection, and an idle timeout.
 */
public final class TcpBridgeOptions {

  public static final boolean DEFAULT_ENABLED = true;
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4005;
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_CONNECTIONS = 64;
  public static final int DEFAULT_MAX_OUTSTANDING_REQUESTS = 128;
  public static final long DEFAULT_IDLE_TIMEOUT_SECONDS = 300;

  private final boolean enabled;
  private final String host;
  private final int port;
  private final int maxFrameBytes;
  private final int maxConnections;
  private final int maxOutstandingRequests;
  private final long idleTimeoutSeconds;

  public TcpBridgeOptions(ConfigReader r) {
    r.rejectUnknown(
        Set.of(
            "enabled",
            "host",
            "port",
            "maxFrameBytes",
            "maxConnections",
            "maxOutstandingRequests",
            "idleTimeoutSeconds"));
    this.enabled = r.bool("enabled", DEFAULT_ENABLED);
    this.host = r.string("host", DEFAULT_HOST);
    this.port = (int) r.integer("port", DEFAULT_PORT, 0, 65535);
    this.maxFrameBytes =
        (int) r.integer("maxFrameBytes", DEFAULT_MAX_FRAME_BYTES, 1024, 16 * 1024 * 1024);
    this.maxConnections = (int) r.integer("maxConnections", DEFAULT_MAX_CONNECTIONS, 1, 10_000);
    this.maxOutstandingRequests =
        (int) r.integer("maxOutstandingRequests", DEFAULT_MAX_OUTSTANDING_REQUESTS, 1, 10_000);
    this.idleTimeoutSeconds =
        r.integer("idleTimeoutSeconds", DEFAULT_IDLE_TIMEOUT_SECONDS, 0, 86_400);
  }

  public boolean enabled() {
    return enabled;
  }

  public String host() {
    return host;
  }

  /** The configured port; {@code 0} picks a free one (the bridge reports the bound port). */
  public int port() {
    return port;
  }

  /** The longest frame (JSON after the 4-byte length) a client may send. */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /** Bridge connections open at once; one more is answered with an error frame and closed. */
  public int maxConnections() {
    return maxConnections;
  }

  /** Requests ({@code send} with a {@code replyAddress}) awaiting their reply, per connection. */
  public int maxOutstandingRequests() {
    return maxOutstandingRequests;
  }

  /**
   * A connection that sends no complete frame for this long is closed, unless it is waiting (holds
   * a registration or an outstanding request) with no partial frame pending; {@code 0}: never.
   */
  public long idleTimeoutSeconds() {
    return idleTimeoutSeconds;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("host", host)
        .put("port", port)
        .put("maxFrameBytes", maxFrameBytes)
        .put("maxConnections", maxConnections)
        .put("maxOutstandingRequests", maxOutstandingRequests)
        .put("idleTimeoutSeconds", idleTimeoutSeconds);
  }
}
