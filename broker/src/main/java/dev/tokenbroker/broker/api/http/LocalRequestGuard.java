package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.token.TokenFailure;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

/**
 * Anti-SSRF checks for endpoints that hand out or affect tokens, in the spirit of cloud metadata
 * servers: the caller must send {@code Token-Broker-Request: true} (a header a server-side request
 * forgery cannot usually add, and a browser cannot send cross-origin without a preflight we never
 * grant), must not come through a proxy ({@code Forwarded}, {@code X-Forwarded-*}, {@code
 * X-Real-IP}), must name a loopback host in {@code Host} (defeats DNS rebinding) and, unless
 * configured otherwise, must connect from a loopback address.
 */
public final class LocalRequestGuard {

  public static final String HEADER = "Token-Broker-Request";

  private static final TokenFailure MISSING_HEADER =
      TokenFailure.denied("the header Token-Broker-Request: true is required");
  private static final TokenFailure PROXIED =
      TokenFailure.denied("requests forwarded by a proxy are refused");
  static final TokenFailure BAD_HOST =
      TokenFailure.denied("the Host header must name a loopback address");
  private static final TokenFailure REMOTE =
      TokenFailure.denied("only callers on this host may ask for tokens");

  private final boolean allowNonLoopbackClients;

  public LocalRequestGuard(boolean allowNonLoopbackClients) {
    this.allowNonLoopbackClients = allowNonLoopbackClients;
  }

  /** Null when the request may proceed, else the refusal to send. */
  public TokenFailure check(HttpServerRequest req) {
    if (!allowNonLoopbackClients && !isLoopback(req.remoteAddress())) {
      return REMOTE;
    }
    MultiMap h = req.headers();
    if (!"true".equals(h.get(HEADER))) {
      return MISSING_HEADER;
    }
    if (h.contains("Forwarded")
        || h.contains("X-Forwarded-For")
        || h.contains("X-Forwarded-Host")
        || h.contains("X-Real-IP")) {
      return PROXIED;
    }
    HostAndPort authority = req.authority();
    if (authority == null || !isLoopbackName(authority.host())) {
      return BAD_HOST;
    }
    return null;
  }

  /** The DNS-rebinding check alone, for pages that hand out no token (the dashboard). */
  public boolean loopbackHost(HttpServerRequest req) {
    HostAndPort authority = req.authority();
    return authority != null && isLoopbackName(authority.host());
  }

  static boolean isLoopback(SocketAddress address) {
    if (address == null) {
      return false;
    }
    if (address.isDomainSocket()) {
      return true;
    }
    String host = address.hostAddress();
    return host != null && isLoopbackName(host);
  }

  /** {@code localhost}, a 127.0.0.0/8 dotted quad, or {@code ::1} (bracketed or not). */
  static boolean isLoopbackName(String host) {
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")
        || host.equals("[::1]")
        || host.equals("::1")
        || host.equals("0:0:0:0:0:0:0:1")) {
      return true;
    }
    if (!host.startsWith("127.")) {
      return false;
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty()
          || p.length() > 3
          || !p.chars().allMatch(Character::isDigit)
          || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }
}
