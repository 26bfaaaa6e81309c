package dev.tokenbroker.common.net;

import dev.tokenbroker.common.config.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The one rule for URLs the services call (IdP issuer, token endpoint, JWKS): absolute {@code
 * http(s)} with a host, no user info or fragment, and {@code https} unless the host is loopback
 * ({@link Loopback#isLoopbackHost}) or plain http was explicitly allowed. The same rule applies to
 * a configured URL and to one found by discovery.
 */
public final class HttpUrls {

  private HttpUrls() {}

  /** Why {@code url} breaks the rule, or null when it is acceptable. */
  public static String problem(String url, boolean allowHttp) {
    if (url == null || url.isBlank()) {
      return "required";
    }
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      return "not a valid URL";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
      return "must be an absolute http(s) URL";
    }
    if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
      return "must not contain user info or a fragment";
    }
    if (scheme.equals("http") && !allowHttp && !Loopback.isLoopbackHost(uri.getHost())) {
      return "plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost)";
    }
    return null;
  }

  /**
   * The URL as a {@link URI}, or a {@link ConfigException} naming {@code field} when it breaks the
   * rule.
   */
  public static URI require(String field, String url, boolean allowHttp) {
    String problem = problem(url, allowHttp);
    if (problem != null) {
      throw new ConfigException(field, problem);
    }
    return URI.create(url.trim());
  }
}
