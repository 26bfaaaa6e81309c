package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.http.ListenerLimits;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where the local token API listens and who may call it: a TCP port ({@code port: -1} switches TCP
 * off), a Unix domain socket ({@code unixSocket}), or both.
 */
public final class HttpOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4004;

  /** {@code port: -1}: no TCP listener (then {@code unixSocket} is required). */
  public static final int TCP_OFF = -1;

  public static final boolean DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS = false;
  public static final boolean DEFAULT_REQUIRE_CALLER_AUTH = false;
  public static final String DEFAULT_UNIX_SOCKET_MODE = "0660";

  /**
   * Connections the token listener holds at once. A sidecar serves the processes of one pod or
   * host: 256 is far above what they open, and bounds what a misbehaving neighbour can hold.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 256;

  private final String host;
  private final int port;
  private final boolean allowNonLoopbackClients;
  private final boolean requireCallerAuth;
  private final ListenerLimits limits;
  private final Path unixSocket;
  private final String unixSocketMode;
  private final Set<PosixFilePermission> unixSocketPermissions;

  public HttpOptions(ConfigReader r) {
    r.rejectUnknown(
        Set.of(
            "host",
            "port",
            "allowNonLoopbackClients",
            "requireCallerAuth",
            "limits",
            "unixSocket",
            "unixSocketMode"));
    this.host = r.string("host", DEFAULT_HOST);
    if (host.isBlank()) {
      throw new ConfigException(r.path("host"), "must not be empty");
    }
    this.port = (int) r.integer("port", DEFAULT_PORT, TCP_OFF, 65535);
    this.allowNonLoopbackClients =
        r.bool("allowNonLoopbackClients", DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS);
    this.requireCallerAuth = r.bool("requireCallerAuth", DEFAULT_REQUIRE_CALLER_AUTH);
    this.limits = ListenerLimits.read(r.object("limits"), DEFAULT_MAX_CONNECTIONS);
    String socket = r.string("unixSocket", null);
    if (socket != null && socket.isBlank()) {
      throw new ConfigException(r.path("unixSocket"), "must not be empty");
    }
    if (socket != null) {
      Path p = Path.of(socket);
      if (!p.isAbsolute() || p.getFileName() == null) {
        throw new ConfigException(r.path("unixSocket"), "must be an absolute file path");
      }
      // sun_path holds 108 bytes on Linux (104 on macOS), including the terminating NUL.
      if (socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 103) {
        throw new ConfigException(r.path("unixSocket"), "longer than 103 bytes");
      }
      this.unixSocket = p;
    } else {
      this.unixSocket = null;
    }
    this.unixSocketMode = r.string("unixSocketMode", DEFAULT_UNIX_SOCKET_MODE);
    this.unixSocketPermissions = permissions(r.path("unixSocketMode"), unixSocketMode);
    if (port == TCP_OFF && unixSocket == null) {
      throw new ConfigException(
          r.path("port"), "-1 switches TCP off, which needs http.unixSocket (no listener left)");
    }
  }

  /**
   * A quoted octal file mode with its leading zero, such as {@code "0660"}; no set-id or sticky
   * bits. The leading zero is required because YAML reads an unquoted {@code 0660} as the number
   * 432, which would silently be another mode.
   */
  static Set<PosixFilePermission> permissions(String field, String mode) {
    String m = mode.trim();
    if (!m.matches("0[0-7]{3}")) {
      throw new ConfigException(
          field, "must be a quoted octal file mode with a leading zero, such as \"0660\"");
    }
    int bits = Integer.parseInt(m, 8);
    StringBuilder rwx = new StringBuilder();
    for (int shift = 6; shift >= 0; shift -= 3) {
      int b = (bits >> shift) & 7;
      rwx.append((b & 4) != 0 ? 'r' : '-')
          .append((b & 2) != 0 ? 'w' : '-')
          .append((b & 1) != 0 ? 'x' : '-');
    }
    return PosixFilePermissions.fromString(rwx.toString());
  }

  public String host() {
    return host;
  }

  /** The TCP port, 0 for a free one, {@link #TCP_OFF} for none. */
  public int port() {
    return port;
  }

  public boolean tcpEnabled() {
    return port != TCP_OFF;
  }

  /**
   * {@code GET /v1/token} also requires {@code localClients} credentials (HTTP Basic); without it,
   * credentials are optional there (checked and applied when sent).
   */
  public boolean requireCallerAuth() {
    return requireCallerAuth;
  }

  public boolean allowNonLoopbackClients() {
    return allowNonLoopbackClients;
  }

  /** Connection and request-head limits of the token listener. */
  public ListenerLimits limits() {
    return new ListenerLimits(limits);
  }

  /** The Unix domain socket to serve the token API on, or null. */
  public Path unixSocket() {
    return unixSocket;
  }

  public Set<PosixFilePermission> unixSocketPermissions() {
    return unixSocketPermissions;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("allowNonLoopbackClients", allowNonLoopbackClients)
        .put("requireCallerAuth", requireCallerAuth)
        .put("limits", limits.toJson())
        .put("unixSocket", unixSocket == null ? null : unixSocket.toString())
        .put("unixSocketMode", unixSocketMode);
  }
}
