package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.Secret;
import dev.tokenbroker.broker.config.SigningKey;
import dev.tokenbroker.broker.config.TlsOptions;
import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.Sanitizer;
import dev.tokenbroker.broker.idp.TokenRequest;
import dev.tokenbroker.broker.idp.TokenResponse;
import dev.tokenbroker.common.net.BoundedHttp;
import dev.tokenbroker.common.net.FetchException;
import dev.tokenbroker.common.oidc.Discovery;
import dev.tokenbroker.common.oidc.DiscoveryException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The token endpoint client: one form POST per {@link #fetch}, authenticated as {@link
 * ClientAuthenticator} says (with a client certificate on the connection for the mTLS methods), a
 * deadline and a response-size cap. For the mTLS methods the discovered endpoint is {@code
 * mtls_endpoint_aliases.token_endpoint} when the IdP has one (RFC 8705 §5). The token endpoint
 * comes from the configuration or from OIDC discovery (memoized; a failed discovery is retried by
 * the next fetch).
 */
public final class HttpIdpClient implements IdpClient {

  private static final Logger LOG = Logger.getLogger(HttpIdpClient.class.getName());
  private static final String USER_AGENT = "token-broker/0.1";

  private static final String TOKEN_ENDPOINT = "token_endpoint";

  private final HttpClientAgent client;
  private final BoundedHttp http;
  private final IdpOptions options;
  private final Clock clock;
  private final TokenResponseParser parser;
  private final ClientAuthenticator authenticator;
  private volatile Future<URI> discovered;

  public HttpIdpClient(Vertx vertx, IdpOptions options, Clock clock) {
    this(vertx, options, clock, options::clientSecret, options::signingKey);
  }

  /**
   * @param secret read for every token request, so a rotated secret is used from the next request
   *     on
   * @param key the same for the private key of {@code private_key_jwt}
   */
  public HttpIdpClient(
      Vertx vertx,
      IdpOptions options,
      Clock clock,
      Supplier<Secret> secret,
      Supplier<SigningKey> key) {
    this.options = options;
    this.clock = clock;
    this.parser = new TokenResponseParser(options);
    this.authenticator = new ClientAuthenticator(vertx, options, clock, secret, key);
    HttpClientOptions httpOptions =
        new HttpClientOptions()
            .setConnectTimeout((int) options.requestTimeoutMillis())
            .setKeepAlive(true)
            .setKeepAliveTimeout(30);
    TlsOptions tls = options.tls();
    if (tls != null) {
      httpOptions.setKeyCertOptions(keyCert(tls.cert(), tls.revealKey()));
      if (tls.trust() != null) {
        httpOptions.setTrustOptions(new PemTrustOptions().addCertValue(tls.trust()));
      }
    }
    this.client =
        vertx.createHttpClient(
            httpOptions, new PoolOptions().setHttp1MaxSize(options.maxConcurrentRequests()));
    this.http =
        new BoundedHttp(
            vertx.getOrCreateContext(),
            client,
            options.requestTimeoutMillis(),
            options.maxResponseBytes());
  }

  private static PemKeyCertOptions keyCert(Buffer cert, Buffer key) {
    return new PemKeyCertOptions().setCertValue(cert).setKeyValue(key);
  }

  /**
   * Presents {@code cert} and {@code key} (PEM) from the next connection on; connections already
   * open keep the old certificate until they close.
   */
  public Future<Boolean> updateClientCertificate(Buffer cert, Buffer key, Buffer trust) {
    ClientSSLOptions ssl = new ClientSSLOptions().setKeyCertOptions(keyCert(cert, key));
    if (trust != null) {
      ssl.setTrustOptions(new PemTrustOptions().addCertValue(trust));
    }
    return client.updateSSLOptions(ssl, true);
  }

  @Override
  public Future<TokenResponse> fetch(TokenRequest key) {
    long requestedAt = clock.millis();
    return tokenEndpoint()
        .compose(
            uri -> {
              RequestOptions ro = tokenRequest(uri);
              StringBuilder form = formBody(key);
              authenticator.apply(uri, ro, form);
              return exchange(ro, Buffer.buffer(form.toString()));
            })
        .map(
            r -> parser.parse(r.status(), r.headers(), r.body(), key, requestedAt, clock.millis()));
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }

  private Future<URI> tokenEndpoint() {
    if (options.tokenEndpoint() != null) {
      return Future.succeededFuture(options.tokenEndpoint());
    }
    Future<URI> f = discovered;
    if (f == null || f.failed()) {
      f = discover();
      discovered = f;
    }
    return f;
  }

  private Future<URI> discover() {
    return Discovery.discover(
            http, options.issuer().toString(), options.allowHttp(), TOKEN_ENDPOINT)
        .map(
            metadata -> {
              URI uri = metadata.endpoint(TOKEN_ENDPOINT);
              if (options.authMethod().usesTls()) {
                URI alias = metadata.mtlsEndpoint(TOKEN_ENDPOINT);
                uri = alias != null ? alias : uri;
                if (!"https".equalsIgnoreCase(uri.getScheme())) {
                  throw new DiscoveryException(
                      "the token endpoint for " + options.authMethod().wireName() + " is not https",
                      false);
                }
              }
              LOG.info("discovered token endpoint " + Sanitizer.safeText(uri.toString()));
              return uri;
            })
        .recover(t -> Future.failedFuture(discoveryFailed(t)));
  }

  private static IdpException discoveryFailed(Throwable t) {
    if (t instanceof DiscoveryException d && !d.retryable()) {
      LOG.severe(d.getMessage());
      return new IdpException(IdpException.Kind.INVALID_RESPONSE, 0, null, d.getMessage(), -1);
    }
    return IdpException.unavailable(Sanitizer.safeText(t.getMessage()));
  }

  private RequestOptions tokenRequest(URI endpoint) {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(endpoint.toString())
            .putHeader("Content-Type", "application/x-www-form-urlencoded")
            .putHeader("Accept", "application/json")
            .putHeader("User-Agent", USER_AGENT);
    return ro;
  }

  private StringBuilder formBody(TokenRequest key) {
    StringBuilder sb = new StringBuilder("grant_type=client_credentials");
    if (!key.scope().isEmpty()) {
      sb.append("&scope=").append(form(key.scope()));
    }
    switch (options.audienceParameter()) {
      case AUDIENCE -> sb.append("&audience=").append(form(key.audience()));
      case RESOURCE -> sb.append("&resource=").append(form(key.audience()));
      case NONE -> {}
    }
    return sb;
  }

  private Future<BoundedHttp.Response> exchange(RequestOptions ro, Buffer body) {
    return http.send(ro, body).recover(t -> Future.failedFuture(idpFailure(t)));
  }

  private static IdpException idpFailure(Throwable t) {
    if (t instanceof FetchException f && f.kind() == FetchException.Kind.TOO_LARGE) {
      return new IdpException(
          f.status() >= 200 && f.status() < 300
              ? IdpException.Kind.INVALID_RESPONSE
              : IdpException.Kind.UNAVAILABLE,
          f.status(),
          null,
          f.getMessage(),
          -1);
    }
    if (t instanceof FetchException f) {
      return IdpException.unavailable(f.getMessage());
    }
    return IdpException.wrap(t);
  }

  private static String form(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
