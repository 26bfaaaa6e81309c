package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.token.TokenFailure;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
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
  // Pre-encoded header names: Netty compares them without re-hashing a String per request.
  private static final CharSequence HEADER_NAME = HttpHeaders.createOptimized(HEADER);
  private static final CharSequence FORWARDED = HttpHeaders.createOptimized("Forwarded");
  private static final CharSequence X_FORWARDED_FOR =
      HttpHeaders.createOptimized("X-Forwarded-For");
  private static final CharSequence X_FORWARDED_HOST =
      HttpHeaders.createOptimized("X-Forwarded-Host");
  private static final CharSequence X_REAL_IP = HttpHeaders.createOptimized("X-Real-IP");

  private static final TokenFailure MISSING_HEADER =
      TokenFailure.denied("the header Token-Broker-Request: true is required");
  private static final TokenFailure PROXIED =
      TokenFailure.denied("requests forwarded by a proxy are refused");
  static final TokenFailure BAD_HOST =
      TokenFailure.denied("the Host header must name a loopback address");
  private static final TokenFailure REMOTE =
      TokenFailure.denied("only callers on this host may ask for tokens");

  private final boolean allowNonLoopbackClients;
  private final boolean anyHostForPages;

  /**
   * @param allowNonLoopbackClients skip the peer-address check (configured, or pointless because
   *     the server is bound to a loopback address)
   */
  public LocalRequestGuard(boolean allowNonLoopbackClients) {
    this(allowNonLoopbackClients, false);
  }

  /**
   * @param anyHostForPages {@link #loopbackHost} accepts any Host: the management listener bound to
   *     a non-loopback address, reached by its pod IP or name
   */
  public LocalRequestGuard(boolean allowNonLoopbackClients, boolean anyHostForPages) {
    this.allowNonLoopbackClients = allowNonLoopbackClients;
    this.anyHostForPages = anyHostForPages;
  }

  /** Null when the request may proceed, else the refusal to send. */
  public TokenFailure check(HttpServerRequest req) {
    if (!allowNonLoopbackClients && !isLoopback(req.remoteAddress())) {
      return REMOTE;
    }
    MultiMap h = req.headers();
    if (!"true".equals(h.get(HEADER_NAME))) {
      return MISSING_HEADER;
    }
    if (h.contains(FORWARDED)
        || h.contains(X_FORWARDED_FOR)
        || h.contains(X_FORWARDED_HOST)
        || h.contains(X_REAL_IP)) {
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
    if (anyHostForPages) {
      return true;
    }
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
  public static boolean isLoopbackName(String host) {
    if (host == null) {
      return false;
    }
    if (host.equals("127.0.0.1")) {
      return true; // the common case, without parsing
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
    // A dotted quad 127.a.b.c, each part 0-255, without regex or streams (hot path).
    int parts = 0;
    int value = -1;
    for (int i = 0; i <= host.length(); i++) {
      char c = i == host.length() ? '.' : host.charAt(i);
      if (c == '.') {
        if (value < 0) {
          return false;
        }
        parts++;
        value = -1;
      } else if (c >= '0' && c <= '9') {
        value = value < 0 ? c - '0' : value * 10 + (c - '0');
        if (value > 255) {
          return false;
        }
      } else {
        return false;
      }
    }
    return parts == 4;
  }
}
