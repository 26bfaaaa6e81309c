package dev.tokenbroker.broker.api.proxy.impl;

import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.metrics.BrokerMetrics.ProxyOutcome;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenFailure;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The proxy's one interceptor: origin-form target, headers stripped, the token injected, one retry
 * after an upstream 401. Every request ends in exactly one {@link ProxyOutcome}.
 */
final class TokenInjector implements ProxyInterceptor {

  private static final Logger LOG = Logger.getLogger(TokenInjector.class.getName());

  /** Idempotent methods (RFC 9110 §9.2.2) minus those a body makes unsafe to replay. */
  private static final Set<HttpMethod> REPLAYABLE =
      Set.of(
          HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE);

  private static final MediaType JSON = MediaType.parse("application/json");

  private final String name;
  private final TokenKey key;
  private final TokenCache cache;
  private final BrokerMetrics metrics;
  private final String basePath;

  TokenInjector(
      String name, TokenKey key, TokenCache cache, BrokerMetrics metrics, String basePath) {
    this.name = name;
    this.key = key;
    this.cache = cache;
    this.metrics = metrics;
    this.basePath = basePath;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext ctx) {
    ProxyRequest req = ctx.request();
    HttpServerRequest in = req.proxiedRequest();
    if (in.method() == HttpMethod.CONNECT) {
      metrics.proxyRequest(name, ProxyOutcome.REFUSED);
      ProxyResponse r = answer(req, 405, "method_not_allowed", "this proxy does not tunnel");
      r.putHeader(HttpHeaders.ALLOW, "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE");
      return Future.succeededFuture(r);
    }
    String target = OutgoingRequest.originForm(in);
    if (target == null) {
      metrics.proxyRequest(name, ProxyOutcome.REFUSED);
      return Future.succeededFuture(
          answer(req, 400, "invalid_request", "the request target must be a path"));
    }
    req.setURI(basePath + target);
    OutgoingRequest.strip(req.headers());
    boolean replayable = REPLAYABLE.contains(in.method()) && OutgoingRequest.bodyless(in.headers());
    if (replayable) {
      // Nothing to stream: sent without a body, so the request can be sent twice.
      req.setBody(null);
      in.resume();
    }
    return cache
        .get(key)
        .transform(
            ar ->
                ar.succeeded()
                    ? send(ctx, ar.result(), replayable)
                    : Future.succeededFuture(noToken(req, ar.cause())));
  }

  private Future<ProxyResponse> send(ProxyContext ctx, Token token, boolean replayable) {
    return forward(ctx, token)
        .compose(
            first -> {
              if (first.getStatusCode() != 401 || !replayable) {
                metrics.proxyRequest(name, ProxyOutcome.FORWARDED);
                return Future.succeededFuture(first);
              }
              TokenCache.Invalidation inv = cache.invalidate(key, token.accessToken());
              if (inv == TokenCache.Invalidation.RATE_LIMITED) {
                // The same token again would be refused again: the caller gets the 401.
                metrics.proxyRequest(name, ProxyOutcome.FORWARDED);
                return Future.succeededFuture(first);
              }
              LOG.info("proxy " + name + ": upstream answered 401; retrying with a fresh token");
              first.release();
              return cache
                  .get(key)
                  .transform(
                      ar ->
                          ar.succeeded()
                              ? forward(ctx, ar.result())
                                  .map(
                                      second -> {
                                        metrics.proxyRequest(name, ProxyOutcome.RETRIED_AFTER_401);
                                        return second;
                                      })
                              : Future.succeededFuture(noToken(ctx.request(), ar.cause())));
            })
        .recover(failure -> Future.succeededFuture(upstreamFailed(ctx.request(), failure)));
  }

  private Future<ProxyResponse> forward(ProxyContext ctx, Token token) {
    ctx.request().putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token.accessToken());
    return ctx.sendRequest().onSuccess(r -> metrics.proxyUpstreamStatus(name, r.getStatusCode()));
  }

  private ProxyResponse noToken(ProxyRequest req, Throwable cause) {
    metrics.proxyRequest(name, ProxyOutcome.NO_TOKEN);
    TokenFailure f =
        cause instanceof TokenFailure t ? t : TokenFailure.unavailable("no valid token is held", 1);
    ProxyResponse r =
        answer(req, 503, "temporarily_unavailable", "no token to forward with: " + f.description());
    r.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, f.retryAfterSeconds())));
    return r;
  }

  private ProxyResponse upstreamFailed(ProxyRequest req, Throwable failure) {
    metrics.proxyRequest(name, ProxyOutcome.UPSTREAM_FAILED);
    LOG.warning(
        "proxy "
            + name
            + ": upstream unreachable: "
            + failure.getClass().getSimpleName()
            + (failure.getMessage() == null ? "" : ": " + failure.getMessage()));
    return answer(req, 502, "bad_gateway", "the upstream could not be reached");
  }

  /** A JSON answer of the proxy itself; the caller's request body, if any, is discarded. */
  private static ProxyResponse answer(
      ProxyRequest req, int status, String error, String description) {
    Buffer body =
        new JsonObject().put("error", error).put("error_description", description).toBuffer();
    return req.release()
        .response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .setBody(Body.body(body, JSON));
  }
}
