package dev.tokenbroker.broker.testing;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP hop in front of the IdP (mock-oauth2-server or Keycloak) on 127.0.0.1: it forwards
 * everything, counts and records token requests, and injects faults on demand.
 */
public final class FaultProxy {

  /** What the proxy does with the next token requests. */
  public enum Mode {
    PASS,
    ERROR_500,
    ERROR_503,
    RATE_LIMITED_429,
    SLOW,
    RESET,
    GARBAGE,
    EMPTY_200,
    DOWN
  }

  /** A token request as the IdP received it. */
  public record Recorded(String method, String path, MultiMap headers, String body) {}

  private final Vertx vertx;
  private final int targetPort;
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final List<Recorded> recorded = new ArrayList<>();
  private volatile Mode mode = Mode.PASS;
  private volatile String retryAfter = "2";
  private volatile long slowMillis = 3_000;
  private volatile Handler<HttpServerRequest> override;
  private HttpClient client;
  private HttpServer server;

  public FaultProxy(Vertx vertx, int targetPort) {
    this.vertx = vertx;
    this.targetPort = targetPort;
  }

  public Future<Integer> start() {
    client = vertx.createHttpClient();
    return vertx
        .createHttpServer()
        .requestHandler(this::handle)
        .listen(0, "127.0.0.1")
        .map(
            s -> {
              server = s;
              return s.actualPort();
            });
  }

  public int port() {
    return server.actualPort();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  public FaultProxy mode(Mode mode) {
    this.mode = mode;
    return this;
  }

  public FaultProxy retryAfter(String value) {
    this.retryAfter = value;
    return this;
  }

  public FaultProxy slowMillis(long millis) {
    this.slowMillis = millis;
    return this;
  }

  /** Answers token requests with this handler instead of forwarding (null to forward again). */
  public FaultProxy override(Handler<HttpServerRequest> handler) {
    this.override = handler;
    return this;
  }

  /** Token requests received (POSTs to a path ending in /token), whatever was answered. */
  public int tokenRequests() {
    return tokenRequests.get();
  }

  public synchronized List<Recorded> recorded() {
    return List.copyOf(recorded);
  }

  public synchronized void reset() {
    recorded.clear();
    tokenRequests.set(0);
  }

  public Future<Void> close() {
    return server.close().compose(v -> client.close());
  }

  private void handle(HttpServerRequest req) {
    req.pause();
    boolean token = req.method().name().equals("POST") && req.path().endsWith("/token");
    Mode m = token ? mode : Mode.PASS;
    if (m == Mode.DOWN) {
      req.connection().close();
      if (token) {
        tokenRequests.incrementAndGet();
      }
      return;
    }
    req.resume();
    req.body()
        .onSuccess(
            body -> {
              if (token) {
                synchronized (this) {
                  recorded.add(
                      new Recorded(
                          req.method().name(),
                          req.path(),
                          MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                          body.toString()));
                }
                tokenRequests.incrementAndGet();
                if (override != null) {
                  override.handle(req);
                  return;
                }
              }
              switch (m) {
                case ERROR_500 ->
                    req.response().setStatusCode(500).end("{\"error\":\"server_error\"}");
                case ERROR_503 ->
                    req.response().setStatusCode(503).putHeader("Retry-After", retryAfter).end();
                case RATE_LIMITED_429 ->
                    req.response()
                        .setStatusCode(429)
                        .putHeader("Retry-After", retryAfter)
                        .putHeader("Content-Type", "application/json")
                        .end(
                            "{\"error\":\"too_many_requests\",\"error_description\":\"Global limit has been reached\"}");
                case SLOW -> vertx.setTimer(slowMillis, id -> forward(req, body));
                case RESET -> req.connection().close();
                case GARBAGE ->
                    req.response()
                        .putHeader("Content-Type", "application/json")
                        .end("<html>not json");
                case EMPTY_200 -> req.response().setStatusCode(200).end();
                default -> forward(req, body);
              }
            });
  }

  private void forward(HttpServerRequest req, Buffer body) {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(req.method())
            .setHost("127.0.0.1")
            .setPort(targetPort)
            .setURI(req.uri())
            .setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
    client
        .request(ro)
        .compose(r -> r.send(body))
        .compose(
            resp ->
                resp.body()
                    .map(
                        b -> {
                          if (req.response().closed()) {
                            return null;
                          }
                          req.response().setStatusCode(resp.statusCode());
                          resp.headers()
                              .forEach(
                                  (k, v) -> {
                                    if (!k.equalsIgnoreCase("Content-Length")
                                        && !k.equalsIgnoreCase("Transfer-Encoding")
                                        && !k.equalsIgnoreCase("Connection")) {
                                      req.response().headers().add(k, v);
                                    }
                                  });
                          req.response().end(b);
                          return null;
                        }))
        .onFailure(t -> req.connection().close());
  }
}
