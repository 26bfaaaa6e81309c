package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.Secret;
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
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The token endpoint client: one form POST per {@link #fetch}, with client_secret_basic or
 * client_secret_post authentication, a deadline and a response-size cap. The token endpoint comes
 * from the configuration or from OIDC discovery (memoized; a failed discovery is retried by the
 * next fetch).
 */
public final class HttpIdpClient implements IdpClient {

  private static final Logger LOG = Logger.getLogger(HttpIdpClient.class.getName());
  private static final String USER_AGENT = "token-broker/0.1";

  private static final String TOKEN_ENDPOINT = "token_endpoint";

  private final HttpClient client;
  private final BoundedHttp http;
  private final IdpOptions options;
  private final Clock clock;
  private final TokenResponseParser parser;
  private final Supplier<Secret> secret;
  private volatile BasicAuthorization basic;
  private volatile Future<URI> discovered;

  /** The Authorization header for one secret, kept while that secret is in use. */
  private record BasicAuthorization(Secret secret, String header) {}

  public HttpIdpClient(Vertx vertx, IdpOptions options, Clock clock) {
    this(vertx, options, clock, options::clientSecret);
  }

  /**
   * @param secret read for every token request, so a rotated secret is used from the next request
   *     on
   */
  public HttpIdpClient(Vertx vertx, IdpOptions options, Clock clock, Supplier<Secret> secret) {
    this.options = options;
    this.secret = secret;
    this.clock = clock;
    this.parser = new TokenResponseParser(options);
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout((int) options.requestTimeoutMillis())
                .setKeepAlive(true)
                .setKeepAliveTimeout(30),
            new PoolOptions().setHttp1MaxSize(options.maxConcurrentRequests()));
    this.http =
        new BoundedHttp(
            vertx.getOrCreateContext(),
            client,
            options.requestTimeoutMillis(),
            options.maxResponseBytes());
  }

  private String basicAuthorization() {
    Secret s = secret.get();
    BasicAuthorization b = basic;
    if (b == null || b.secret != s) {
      String credentials = form(options.clientId()) + ":" + form(s.reveal());
      b =
          new BasicAuthorization(
              s,
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
      basic = b;
    }
    return b.header;
  }

  @Override
  public Future<TokenResponse> fetch(TokenRequest key) {
    long requestedAt = clock.millis();
    return tokenEndpoint()
        .compose(uri -> exchange(tokenRequest(uri, key), formBody(key)))
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
        .recover(t -> Future.failedFuture(discoveryFailed(t)))
        .map(
            metadata -> {
              URI uri = metadata.endpoint(TOKEN_ENDPOINT);
              LOG.info("discovered token endpoint " + Sanitizer.safeText(uri.toString()));
              return uri;
            });
  }

  private static IdpException discoveryFailed(Throwable t) {
    if (t instanceof DiscoveryException d && !d.retryable()) {
      LOG.severe(d.getMessage());
      return new IdpException(IdpException.Kind.INVALID_RESPONSE, 0, null, d.getMessage(), -1);
    }
    return IdpException.unavailable(Sanitizer.safeText(t.getMessage()));
  }

  private RequestOptions tokenRequest(URI endpoint, TokenRequest key) {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(endpoint.toString())
            .putHeader("Content-Type", "application/x-www-form-urlencoded")
            .putHeader("Accept", "application/json")
            .putHeader("User-Agent", USER_AGENT);
    if (options.authMethod() == IdpOptions.AuthMethod.CLIENT_SECRET_BASIC) {
      ro.putHeader("Authorization", basicAuthorization());
    }
    return ro;
  }

  private Buffer formBody(TokenRequest key) {
    StringBuilder sb = new StringBuilder("grant_type=client_credentials");
    if (!key.scope().isEmpty()) {
      sb.append("&scope=").append(form(key.scope()));
    }
    switch (options.audienceParameter()) {
      case AUDIENCE -> sb.append("&audience=").append(form(key.audience()));
      case RESOURCE -> sb.append("&resource=").append(form(key.audience()));
      case NONE -> {}
    }
    if (options.authMethod() == IdpOptions.AuthMethod.CLIENT_SECRET_POST) {
      sb.append("&client_id=").append(form(options.clientId()));
      sb.append("&client_secret=").append(form(secret.get().reveal()));
    }
    return Buffer.buffer(sb.toString());
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
