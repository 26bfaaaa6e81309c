package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.token.TokenFailure;
import dev.tokenbroker.common.net.Loopback;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.Iterator;
import java.util.Map;

/**
 * Anti-SSRF checks for endpoints that hand out or affect tokens, in the spirit of cloud metadata
 * servers: the caller must send {@code Token-Broker-Request: true} (a header a server-side request
 * forgery cannot usually add, and a browser cannot send cross-origin without a preflight we never
 * grant), must not come through a proxy (any of {@link #PROXY_SIGNS}), must name a loopback host
 * (defeats DNS rebinding) and, unless configured otherwise, must connect from a loopback address.
 *
 * <p>The host checked is the one the request really names (RFC 9112 §3.2, §3.3): the authority of
 * an absolute-form target ({@code GET http://host/v1/token}) when there is one, else {@code Host}.
 * Two {@code Host} fields, or a {@code Host} that differs from the absolute-form target's
 * authority, are answered 400.
 */
public final class LocalRequestGuard {

  public static final String HEADER = "Token-Broker-Request";
  // Pre-encoded header names: Netty compares them without re-hashing a String per request.
  private static final CharSequence HEADER_NAME = HttpHeaders.createOptimized(HEADER);

  /**
   * Header fields that mean the request came through a proxy (README: "proxy signs"). {@code
   * X-Forwarded-} stands for every field starting with it ({@code -For}, {@code -Host}, {@code
   * -Proto}, {@code -Port}, ...). Names compare case-insensitively.
   */
  public static final String[] PROXY_SIGNS = {
    "Via", "Forwarded", "X-Forwarded-", "X-Real-IP", "X-Client-IP", "True-Client-IP"
  };

  private static final String X_FORWARDED_PREFIX = "x-forwarded-";

  private static final TokenFailure MISSING_HEADER =
      TokenFailure.denied("the header Token-Broker-Request: true is required");
  private static final TokenFailure PROXIED =
      TokenFailure.denied("requests forwarded by a proxy are refused");
  static final TokenFailure BAD_HOST =
      TokenFailure.denied("the Host header must name a loopback address");
  static final TokenFailure DUPLICATE_HOST =
      TokenFailure.badRequest("more than one Host header field");
  static final TokenFailure HOST_MISMATCH =
      TokenFailure.badRequest("the Host header differs from the request target's authority");
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
    return checkHostAndProxy(req, h);
  }

  /**
   * {@link #check} without the {@code Token-Broker-Request} header: for the drop-in {@code POST
   * /oauth/token}, whose caller secret is its SSRF defence. Peer, proxy-sign and Host rules hold.
   */
  public TokenFailure checkWithoutHeader(HttpServerRequest req) {
    if (!allowNonLoopbackClients && !isLoopback(req.remoteAddress())) {
      return REMOTE;
    }
    return checkHostAndProxy(req, req.headers());
  }

  /**
   * The last {@code Host} value checked and whether it names a loopback host: the verdict is a
   * function of that value alone, so a request repeating it (every request of a keep-alive client,
   * usually every client) skips parsing it. A different value is checked afresh and replaces it.
   * Written and read on the listener's event loop; an immutable pair, so another thread can only
   * see an older, still correct, pair.
   */
  private HostVerdict lastHost = new HostVerdict("", false);

  record HostVerdict(String host, boolean loopback) {}

  private TokenFailure checkHostAndProxy(HttpServerRequest req, MultiMap h) {
    int hosts = scanHeaders(h);
    if (hosts < 0) {
      return PROXIED;
    }
    if (hosts > 1) {
      return DUPLICATE_HOST;
    }
    String uri = req.uri();
    if (hosts == 1 && !isAbsoluteForm(uri)) {
      // Origin form with one Host field: the authority is that field (RFC 9112 §3.2).
      String host = h.get(HttpHeaders.HOST);
      HostVerdict last = lastHost;
      if (!last.host().equals(host)) {
        HostAndPort authority = req.authority();
        last = new HostVerdict(host, authority != null && isLoopbackName(authority.host()));
        lastHost = last;
      }
      return last.loopback() ? null : BAD_HOST;
    }
    HostAndPort authority = namedAuthority(req, h);
    if (authority == MISMATCH) {
      return HOST_MISMATCH;
    }
    if (authority == null || !isLoopbackName(authority.host())) {
      return BAD_HOST;
    }
    return null;
  }

  /**
   * The DNS-rebinding check alone, for pages that hand out no token (the dashboard): one {@code
   * Host}, agreeing with an absolute-form target, naming a loopback host.
   */
  public boolean loopbackHost(HttpServerRequest req) {
    if (anyHostForPages) {
      return true;
    }
    MultiMap h = req.headers();
    if (h.getAll(HttpHeaders.HOST).size() > 1) {
      return false;
    }
    HostAndPort authority = namedAuthority(req, h);
    return authority != null && authority != MISMATCH && isLoopbackName(authority.host());
  }

  /** {@link #namedAuthority}'s answer when the {@code Host} field and the target disagree. */
  private static final HostAndPort MISMATCH = HostAndPort.create("", -1);

  /**
   * The authority the request really names: an absolute-form target's (RFC 9112 §3.2.2), which the
   * {@code Host} field, when present, must repeat ({@link #MISMATCH} otherwise), else the {@code
   * Host} field's; null when there is none.
   */
  private static HostAndPort namedAuthority(HttpServerRequest req, MultiMap h) {
    String uri = req.uri();
    if (!isAbsoluteForm(uri)) {
      return req.authority();
    }
    String target = targetAuthority(uri);
    String host = h.get(HttpHeaders.HOST);
    if (host != null && !host.equalsIgnoreCase(target)) {
      return MISMATCH;
    }
    return HostAndPort.parseAuthority(target, -1);
  }

  /**
   * One pass over the header fields, comparing names in place (Vert.x's HTTP/1 headers are Netty
   * {@code HttpHeaders}, whose char-sequence iterator hands out the stored entries): -1 when a
   * proxy sign is present, else the number of {@code Host} fields.
   */
  static int scanHeaders(MultiMap h) {
    int hosts = 0;
    if (h instanceof io.netty.handler.codec.http.HttpHeaders netty) {
      Iterator<Map.Entry<CharSequence, CharSequence>> it = netty.iteratorCharSequence();
      while (it.hasNext()) {
        CharSequence name = it.next().getKey();
        if (isProxySign(name)) {
          return -1;
        }
        if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.HOST)) {
          hosts++;
        }
      }
      return hosts;
    }
    for (Map.Entry<String, String> e : h) { // HTTP/2 (only with h2c configured)
      if (isProxySign(e.getKey())) {
        return -1;
      }
      if (e.getKey().equalsIgnoreCase("host")) {
        hosts++;
      }
    }
    return hosts;
  }

  /** Whether a header field name is one of {@link #PROXY_SIGNS}; no allocation. */
  static boolean isProxySign(CharSequence name) {
    int n = name.length();
    switch (n) {
      case 3:
        return AsciiString.contentEqualsIgnoreCase(name, "via");
      case 9:
        return AsciiString.contentEqualsIgnoreCase(name, "forwarded")
            || AsciiString.contentEqualsIgnoreCase(name, "x-real-ip");
      case 11:
        return AsciiString.contentEqualsIgnoreCase(name, "x-client-ip");
      case 14:
        return AsciiString.contentEqualsIgnoreCase(name, "true-client-ip")
            || startsWithXForwarded(name);
      default:
        return n > X_FORWARDED_PREFIX.length() && startsWithXForwarded(name);
    }
  }

  private static boolean startsWithXForwarded(CharSequence name) {
    return name.length() > X_FORWARDED_PREFIX.length()
        && AsciiString.regionMatches(
            name, true, 0, X_FORWARDED_PREFIX, 0, X_FORWARDED_PREFIX.length());
  }

  /** {@code scheme://...}: an absolute-form target (a proxy request), not an origin-form path. */
  static boolean isAbsoluteForm(String uri) {
    return uri != null && !uri.isEmpty() && uri.charAt(0) != '/' && uri.indexOf("://") > 0;
  }

  /** The authority of an absolute-form target: between {@code ://} and the next / ? or #. */
  static String targetAuthority(String uri) {
    int start = uri.indexOf("://") + 3;
    int end = start;
    while (end < uri.length()) {
      char c = uri.charAt(end);
      if (c == '/' || c == '?' || c == '#') {
        break;
      }
      end++;
    }
    return uri.substring(start, end);
  }

  static boolean isLoopback(SocketAddress address) {
    if (address == null) {
      return false;
    }
    if (address.isDomainSocket()) {
      return true;
    }
    return Loopback.isLoopbackAddress(address.hostAddress());
  }

  /** {@code localhost} or a loopback IP literal: see {@link Loopback#isLoopbackHost}. */
  public static boolean isLoopbackName(String host) {
    return Loopback.isLoopbackHost(host);
  }
}
