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

  /** The raw document, for optional fields; read endpoints through {@link #endpoint}. */
  public JsonObject document() {
    return document.copy();
  }
}
