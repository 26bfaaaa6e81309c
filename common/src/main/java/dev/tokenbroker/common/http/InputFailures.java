package dev.tokenbroker.common.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Failures that come from the client, not from the server: a handler that could not decode the
 * request's input, or a connection the client broke while a handler was reading it (an invalid
 * chunk size, a reset). Vert.x Web logs such failures as "Unhandled exception in router" with a
 * stack trace and answers 500; {@link #handler(RejectionLog)} answers 400 (or nothing, when the
 * connection is gone) and reports them to a {@link RejectionLog} instead.
 */
public final class InputFailures {

  private InputFailures() {}

  /** Exceptions that decoding request input throws: never a server fault. */
  public static boolean isInputError(Throwable failure) {
    return failure instanceof IllegalArgumentException
        || failure instanceof io.vertx.core.json.DecodeException
        || failure instanceof io.netty.handler.codec.DecoderException;
  }

  /**
   * A router failure handler: a closed connection is counted as {@link
   * HardenedHttpServer#CONNECTION_ERROR}, an input error as {@link HardenedHttpServer#MALFORMED}
   * and answered 400; anything else goes on to the router's other failure handling.
   */
  public static Handler<RoutingContext> handler(RejectionLog rejections) {
    return rc -> {
      Throwable failure = rc.failure();
      if (rc.response().closed()) {
        rejections.reject(HardenedHttpServer.CONNECTION_ERROR, RejectionLog.describe(failure));
      } else if (isInputError(failure)) {
        rejections.reject(HardenedHttpServer.MALFORMED, RejectionLog.describe(failure));
        if (!rc.response().headWritten()) {
          rc.response()
              .setStatusCode(400)
              .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
              .end("{\"error\":\"invalid_request\",\"error_description\":\"malformed request\"}");
        }
      } else {
        rc.next();
      }
    };
  }
}
