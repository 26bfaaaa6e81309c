package dev.tokenbroker.common.oidc;

import dev.tokenbroker.common.log.LogSafe;
import dev.tokenbroker.common.net.HttpUrls;
import io.vertx.core.json.JsonObject;
import java.net.URI;

/**
 * A discovery document whose {@code issuer} equals the configured one exactly. Endpoints are read
 * through {@link #endpoint}, which holds each of them to the same URL rule as a configured one.
 */
public final class ProviderMetadata {

  private final String issuer;
  private final JsonObject document;
  private final boolean allowHttp;

  ProviderMetadata(String issuer, JsonObject document, boolean allowHttp) {
    this.issuer = issuer;
    this.document = document;
    this.allowHttp = allowHttp;
  }

  public String issuer() {
    return issuer;
  }

  /**
   * The endpoint named {@code name} (for example {@code token_endpoint} or {@code jwks_uri}); a
   * {@link DiscoveryException} when it is missing or breaks the https-unless-loopback rule.
   */
  public URI endpoint(String name) {
    Object value = document.getValue(name);
    if (!(value instanceof String url)) {
      throw new DiscoveryException("the document has no " + name, false);
    }
    String problem = HttpUrls.problem(url, allowHttp);
    if (problem != null) {
      throw new DiscoveryException(name + " " + LogSafe.printable(url) + ": " + problem, false);
    }
    return URI.create(url.trim());
  }

  /**
   * The RFC 8705 §5 alias of {@code name} in {@code mtls_endpoint_aliases}, for clients that
   * authenticate with a certificate; null when the document has none. Held to the same rule as
   * {@link #endpoint}.
   */
  public URI mtlsEndpoint(String name) {
    if (!(document.getValue("mtls_endpoint_aliases") instanceof JsonObject aliases)
        || aliases.getValue(name) == null) {
      return null;
    }
    if (!(aliases.getValue(name) instanceof String url)) {
      throw new DiscoveryException("mtls_endpoint_aliases." + name + " is not a string", false);
    }
    String problem = HttpUrls.problem(url, allowHttp);
    if (problem != null) {
      throw new DiscoveryException(
          "mtls_endpoint_aliases." + name + " " + LogSafe.printable(url) + ": " + problem, false);
    }
    return URI.create(url.trim());
  }

  /** The raw document, for optional fields; read endpoints through {@link #endpoint}. */
  public JsonObject document() {
    return document.copy();
  }
}
