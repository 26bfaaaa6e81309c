package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.Secret;
import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.Sanitizer;
import dev.tokenbroker.broker.idp.TokenResponse;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
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

  private record Response(int status, MultiMap headers, Buffer body) {}

  private final HttpClient client;
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
  public Future<TokenResponse> fetch(TokenKey key) {
    long requestedAt = clock.millis();
    return tokenEndpoint()
        .compose(uri -> exchange(tokenRequest(uri, key), formBody(key)))
        .map(r -> parser.parse(r.status, r.headers, r.body, key, requestedAt, clock.millis()));
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
    String issuer = options.issuer().toString();
    String url =
        (issuer.endsWith("/") ? issuer : issuer + "/") + ".well-known/openid-configuration";
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(url)
            .putHeader("Accept", "application/json")
            .putHeader("User-Agent", USER_AGENT);
    return exchange(ro, null)
        .map(
            r -> {
              if (r.status != 200) {
                throw IdpException.unavailable("OIDC discovery answered HTTP " + r.status);
              }
              JsonObject doc;
              try {
                doc = r.body.toJsonObject();
              } catch (RuntimeException e) {
                throw IdpException.unavailable("OIDC discovery document is not JSON");
              }
              if (!(doc.getValue("token_endpoint") instanceof String te)) {
                throw IdpException.unavailable("OIDC discovery document has no token_endpoint");
              }
              URI uri = URI.create(te);
              String scheme = String.valueOf(uri.getScheme());
              if (!scheme.equals("https") && !scheme.equals("http")) {
                throw IdpException.unavailable("token_endpoint is not an http(s) URL");
              }
              if (!issuer.equals(doc.getString("issuer"))) {
                LOG.warning(
                    "the discovery document's issuer "
                        + Sanitizer.safeText(String.valueOf(doc.getValue("issuer")))
                        + " differs from idp.issuer");
              }
              LOG.info("discovered token endpoint " + Sanitizer.safeText(te));
              return uri;
            });
  }

  private RequestOptions tokenRequest(URI endpoint, TokenKey key) {
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

  private Buffer formBody(TokenKey key) {
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

  private Future<Response> exchange(RequestOptions ro, Buffer body) {
    long timeout = options.requestTimeoutMillis();
    ro.setConnectTimeout(timeout).setIdleTimeout(timeout);
    return client
        .request(ro)
        .compose(
            req -> {
              Future<HttpClientResponse> sent = body == null ? req.send() : req.send(body);
              return sent.compose(this::readCapped)
                  .timeout(timeout, TimeUnit.MILLISECONDS)
                  .recover(
                      t -> {
                        req.reset();
                        return Future.failedFuture(
                            t instanceof java.util.concurrent.TimeoutException
                                ? IdpException.unavailable("no answer within " + timeout + " ms")
                                : t);
                      });
            })
        .recover(t -> Future.failedFuture(IdpException.wrap(t)));
  }

  private Future<Response> readCapped(HttpClientResponse resp) {
    int max = options.maxResponseBytes();
    String length = resp.getHeader("Content-Length");
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > max) {
      return Future.failedFuture(tooLarge(resp.statusCode(), max));
    }
    Promise<Response> promise = Promise.promise();
    Buffer acc = Buffer.buffer();
    resp.handler(
        chunk -> {
          if (acc.length() + chunk.length() > max) {
            promise.tryFail(tooLarge(resp.statusCode(), max));
          } else if (!promise.future().isComplete()) {
            acc.appendBuffer(chunk);
          }
        });
    resp.exceptionHandler(promise::tryFail);
    resp.endHandler(v -> promise.tryComplete(new Response(resp.statusCode(), resp.headers(), acc)));
    return promise.future();
  }

  private static IdpException tooLarge(int status, int max) {
    return new IdpException(
        status >= 200 && status < 300
            ? IdpException.Kind.INVALID_RESPONSE
            : IdpException.Kind.UNAVAILABLE,
        status,
        null,
        "response body larger than " + max + " bytes",
        -1);
  }

  private static String form(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
