package dev.tokenbroker.students.api.impl;

import dev.tokenbroker.common.http.HardenedHttpServer;
import dev.tokenbroker.common.http.InputFailures;
import dev.tokenbroker.common.http.RejectionLog;
import dev.tokenbroker.students.api.BearerChallenge;
import dev.tokenbroker.students.auth.AuthFailure;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become HTTP answers, always JSON {@code {"error",
 * "error_description"}}: {@link AuthFailure}s with their status and {@code WWW-Authenticate}
 * challenge, other 4xx statuses set by a handler (400, 403 from CORS, 404, 405, 413) with a fixed
 * text, input a handler could not decode ({@link IllegalArgumentException}, {@code
 * DecodeException}) as 400 (counted in {@code
 * students_rs_rejected_requests_total{reason="malformed"}}, rate-limited log), and anything else as
 * 500 {@code server_error} (logged with the request id; the answer never carries exception text).
 * {@link AuthFailure}s are counted by reason in {@code
 * students_rs_token_validation_failures_total}.
 */
public final class ErrorHandler implements Handler<RoutingContext> {

  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.students.error");

  private final int retryAfterSeconds;
  private final StudentsMetrics metrics;
  private final RejectionLog rejections;

  public ErrorHandler(int retryAfterSeconds, StudentsMetrics metrics, RejectionLog rejections) {
    this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    this.metrics = metrics;
    this.rejections = rejections;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof AuthFailure auth) {
      metrics.validationFailure(auth.reason());
      String challenge = BearerChallenge.header(auth);
      HttpServerResponse response = ctx.response();
      if (challenge != null && !response.headWritten()) {
        response.putHeader("WWW-Authenticate", challenge);
      }
      if (auth.status() == 503 && !response.headWritten()) {
        response.putHeader("Retry-After", String.valueOf(retryAfterSeconds));
      }
      send(ctx, auth.status(), BearerChallenge.body(auth));
      return;
    }
    if (failure instanceof RequestRejected rejected) {
      send(ctx, rejected.status(), error("invalid_request", rejected.getMessage()));
      return;
    }
    if (ctx.response().closed()) {
      // The client is gone (a reset, or a body Netty could not decode): nothing to answer.
      rejections.reject(HardenedHttpServer.CONNECTION_ERROR, RejectionLog.describe(failure));
      return;
    }
    if (InputFailures.isInputError(failure)) {
      // Input a handler could not decode (a path or query escape, a body): the client's error.
      rejections.reject(HardenedHttpServer.MALFORMED, RejectionLog.describe(failure));
      send(ctx, 400, error("invalid_request", "malformed request"));
      return;
    }
    int status = ctx.statusCode();
    switch (status) {
      case 400 -> send(ctx, 400, error("invalid_request", "malformed request"));
      case 403 -> send(ctx, 403, error("access_denied", "origin not allowed"));
      case 404 -> notFound(ctx);
      case 405 -> methodNotAllowed(ctx);
      case 413 -> send(ctx, 413, error("invalid_request", "request body too large"));
      default -> {
        if (status >= 400 && status < 500) {
          send(ctx, status, error("invalid_request", "request refused"));
        } else {
          LOG.log(
              Level.SEVERE,
              "unexpected failure, request id=" + ctx.get(RequestIdHandler.KEY),
              failure);
          send(ctx, 500, error("server_error", "internal error"));
        }
      }
    }
  }

  public void notFound(RoutingContext ctx) {
    send(ctx, 404, error("not_found", "no such resource"));
  }

  public void methodNotAllowed(RoutingContext ctx) {
    send(ctx, 405, error("method_not_allowed", "method not allowed"));
  }

  private static JsonObject error(String code, String description) {
    return new JsonObject().put("error", code).put("error_description", description);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encode());
  }
}
