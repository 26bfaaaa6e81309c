package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.token.TokenFailure;
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
