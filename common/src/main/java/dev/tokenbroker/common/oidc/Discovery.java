package dev.tokenbroker.common.oidc;

import dev.tokenbroker.common.log.LogSafe;
import dev.tokenbroker.common.net.BoundedHttp;
import dev.tokenbroker.common.net.FetchException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * OpenID Connect discovery ({@code <issuer>/.well-known/openid-configuration}, which RFC 8414 §5
 * keeps for OAuth servers too) over a {@link BoundedHttp}. The document is accepted only when its
 * {@code issuer} equals the configured issuer exactly (OIDC Discovery §4.3, RFC 8414 §3.3), and
 * every endpoint read from it obeys the configured URLs' rule (see {@link ProviderMetadata}).
 */
public final class Discovery {

  public static final String WELL_KNOWN = "/.well-known/openid-configuration";

  private Discovery() {}

  /** The discovery URL of {@code issuer}. */
  public static String url(String issuer) {
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    return base + WELL_KNOWN;
  }

  /**
   * Fetches and checks the document; fails with a {@link DiscoveryException}. Each name in {@code
   * requiredEndpoints} is checked now, so a bad endpoint fails discovery itself.
   */
  public static Future<ProviderMetadata> discover(
      BoundedHttp http, String issuer, boolean allowHttp, String... requiredEndpoints) {
    RequestOptions request;
    try {
      request =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setAbsoluteURI(url(issuer))
              .putHeader(HttpHeaders.ACCEPT, "application/json")
              .putHeader(HttpHeaders.USER_AGENT, "token-broker");
    } catch (RuntimeException e) {
      return Future.failedFuture(new DiscoveryException("invalid issuer URL", false));
    }
    return http.send(request, null)
        .recover(
            err ->
                Future.failedFuture(
                    new DiscoveryException(
                        err instanceof FetchException ? err.getMessage() : "request failed", true)))
        .map(
            r -> {
              if (r.status() != 200) {
                throw new DiscoveryException("HTTP status " + r.status(), true);
              }
              JsonObject doc;
              try {
                doc = new JsonObject(r.body());
              } catch (RuntimeException e) {
                throw new DiscoveryException("the answer is not a JSON object", true);
              }
              return check(doc, issuer, allowHttp, requiredEndpoints);
            });
  }

  /** The checks on an already fetched document. */
  public static ProviderMetadata check(
      JsonObject doc, String issuer, boolean allowHttp, String... requiredEndpoints) {
    Object named = doc.getValue("issuer");
    if (!issuer.equals(named)) {
      throw new DiscoveryException(
          "the document names another issuer ("
              + (named instanceof String s ? LogSafe.printable(s) : "none")
              + ", configured "
              + LogSafe.printable(issuer)
              + ")",
          false);
    }
    ProviderMetadata metadata = new ProviderMetadata(issuer, doc, allowHttp);
    for (String name : requiredEndpoints) {
      metadata.endpoint(name);
    }
    return metadata;
  }
}
