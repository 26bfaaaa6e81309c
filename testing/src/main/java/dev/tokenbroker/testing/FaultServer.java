package dev.tokenbroker.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The base of a stand-in HTTP server for tests (an IdP, a JWKS endpoint, a proxy in front of one):
 * it listens on 127.0.0.1 with a free port and answers a request with one of a fixed set of {@link
 * Fault}s on demand. A subclass routes requests in {@link #handle} and calls {@link #answer} with
 * the fault in force and its normal answer.
 *
 * @param <S> the subclass, so the setters chain
 */
public abstract class FaultServer<S extends FaultServer<S>> {

  /** What {@link #answer} does instead of (or before) the normal answer. */
  public enum Fault {
    /** The normal answer. */
    NONE,
    /** {@code 500} with a JSON error body. */
    ERROR_500,
    /** {@code 503} with {@code Retry-After} ({@link #retryAfter(String)}). */
    ERROR_503,
    /** {@code 429} with {@code Retry-After} and an Auth0-style JSON error body. */
    RATE_LIMITED_429,
    /** The normal answer after {@link #slowMillis(long)}. */
    SLOW,
    /** The connection is closed without an answer. */
    RESET,
    /** A chunked answer that starts and never ends. */
    HANG,
    /** {@code 200}, {@code Content-Type: application/json}, a body that is not JSON. */
    NOT_JSON,
    /** {@code 200} with an empty body. */
    EMPTY_200,
    /** {@code 200} with a JSON body of about 200 kB and its {@code Content-Length}. */
    OVERSIZED_DECLARED,
    /** {@code 200} with a chunked JSON body of about 200 kB (no length announced). */
    OVERSIZED_CHUNKED
  }

  private volatile String retryAfter = "2";
  private volatile long slowMillis = 3_000;
  private Vertx vertx;
  private HttpServer server;

  /** Handles one request (typically routing by path, then {@link #answer}). */
  protected abstract void handle(HttpServerRequest req);

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }

  /** Listens on {@code 127.0.0.1:0}. */
  public Future<S> start(Vertx vertx) {
    this.vertx = vertx;
    return vertx
        .createHttpServer()
        .requestHandler(this::handle)
        .listen(0, "127.0.0.1")
        .map(
            s -> {
              server = s;
              return self();
            });
  }

  /** The Vert.x instance the server was started on. */
  protected Vertx vertx() {
    return vertx;
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String base() {
    return "http://127.0.0.1:" + port();
  }

  /** {@code http://127.0.0.1:PORT} + {@code path}. */
  public String url(String path) {
    return base() + path;
  }

  /**
   * The {@code Retry-After} value of {@link Fault#ERROR_503} and {@link Fault#RATE_LIMITED_429}.
   */
  public S retryAfter(String value) {
    this.retryAfter = value;
    return self();
  }

  /** The delay of {@link Fault#SLOW}. */
  public S slowMillis(long millis) {
    this.slowMillis = millis;
    return self();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Answers {@code req} with {@code fault}; {@code normally} gives the normal answer. */
  protected void answer(HttpServerRequest req, Fault fault, Runnable normally) {
    HttpServerResponse res = req.response();
    switch (fault) {
      case NONE -> normally.run();
      case ERROR_500 -> json(res.setStatusCode(500)).end("{\"error\":\"server_error\"}");
      case ERROR_503 -> res.setStatusCode(503).putHeader("Retry-After", retryAfter).end();
      case RATE_LIMITED_429 ->
          json(res.setStatusCode(429).putHeader("Retry-After", retryAfter))
              .end(
                  "{\"error\":\"too_many_requests\",\"error_description\":\"Global limit has been reached\"}");
      case SLOW -> vertx.setTimer(slowMillis, id -> normally.run());
      case RESET -> req.connection().close();
      case HANG -> json(res).setChunked(true).write("{\"keys\":[");
      case NOT_JSON -> json(res).end("<html>maintenance</html>");
      case EMPTY_200 -> res.setStatusCode(200).end();
      case OVERSIZED_DECLARED ->
          json(res).end("{\"keys\":[],\"pad\":\"" + "x".repeat(200_000) + "\"}");
      case OVERSIZED_CHUNKED -> {
        json(res).setChunked(true).write("{\"keys\":[],\"pad\":\"");
        for (int i = 0; i < 50; i++) {
          res.write("x".repeat(4096));
        }
        res.end("\"}");
      }
    }
  }

  private static HttpServerResponse json(HttpServerResponse res) {
    return res.putHeader("Content-Type", "application/json");
  }
}
