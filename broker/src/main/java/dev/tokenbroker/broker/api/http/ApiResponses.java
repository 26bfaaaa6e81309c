package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Api;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Outcome;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenFailure;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Writes the API's JSON answers: the one place where failures become HTTP. */
public final class ApiResponses {

  static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
  static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  static final CharSequence X_CONTENT_TYPE_OPTIONS =
      HttpHeaders.createOptimized("X-Content-Type-Options");

  /** The challenge sent with every 401 ({@code invalid_client}): local client credentials. */
  public static final String BASIC_CHALLENGE = "Basic realm=\"token-broker\", charset=\"UTF-8\"";

  private ApiResponses() {}

  /** Writes a token answer; each endpoint has its own body. */
  public interface TokenWriter {
    void write(HttpServerResponse resp, Token token);
  }

  /** Writes a refusal; each endpoint maps failures its own way. */
  public interface FailureWriter {
    void fail(HttpServerResponse resp, TokenFailure failure);
  }

  /**
   * Answers with the token for {@code key}: the held one at once (counted as a hit; nothing is
   * allocated, so pass writers held in fields), else the cache's shared fetch (counted as a wait,
   * or an error written by {@code failure}). The one serving path of {@code GET /v1/token} and
   * {@code POST /oauth/token}.
   */
  public static void serveToken(
      TokenCache cache,
      TokenKey key,
      BrokerMetrics metrics,
      Api api,
      HttpServerResponse resp,
      TokenWriter writer,
      FailureWriter failure) {
    Token held = cache.peek(key);
    if (held != null) {
      metrics.request(api, Outcome.HIT);
      writer.write(resp, held);
      return;
    }
    cache
        .get(key)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                metrics.request(api, Outcome.WAIT);
                writer.write(resp, ar.result());
              } else {
                metrics.request(api, Outcome.ERROR);
                failure.fail(resp, asFailure(ar.cause()));
              }
            });
  }

  /** {@code {"error","error_description"}} (+ {@code idp_error}), with Retry-After on 503. */
  public static void fail(HttpServerResponse resp, TokenFailure f) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    JsonObject body =
        new JsonObject().put("error", f.error()).put("error_description", f.description());
    if (f.idpError() != null) {
      body.put("idp_error", f.idpError());
    }
    if (f.status() == 401) {
      resp.putHeader(io.netty.handler.codec.http.HttpHeaderNames.WWW_AUTHENTICATE, BASIC_CHALLENGE);
    }
    if (f.retryAfterSeconds() > 0) {
      resp.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(f.retryAfterSeconds()));
    }
    json(resp, f.status(), body);
  }

  public static void json(HttpServerResponse resp, int status, JsonObject body) {
    json(resp, status, body.toBuffer());
  }

  /** {@link #json(HttpServerResponse, int, JsonObject)} with the body already serialized. */
  public static void json(HttpServerResponse resp, int status, Buffer body) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE)
        .putHeader(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
        .end(body);
  }

  public static TokenFailure asFailure(Throwable t) {
    return t instanceof TokenFailure f
        ? f
        : TokenFailure.unavailable("the token could not be obtained", 1);
  }
}
