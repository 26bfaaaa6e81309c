package dev.tokenbroker.broker.testing;

import dev.tokenbroker.testing.FaultServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP hop in front of the IdP (mock-oauth2-server or Keycloak) on 127.0.0.1: it forwards
 * everything, counts and records token requests, and injects faults on demand (the faults are
 * {@link FaultServer}'s).
 */
public final class FaultProxy extends FaultServer<FaultProxy> {

  /** What the proxy does with the next token requests. */
  public enum Mode {
    PASS(Fault.NONE),
    ERROR_500(Fault.ERROR_500),
    ERROR_503(Fault.ERROR_503),
    RATE_LIMITED_429(Fault.RATE_LIMITED_429),
    SLOW(Fault.SLOW),
    RESET(Fault.RESET),
    GARBAGE(Fault.NOT_JSON),
    EMPTY_200(Fault.EMPTY_200),
    /** The connection is closed before the request is read. */
    DOWN(Fault.RESET);

    private final Fault fault;

    Mode(Fault fault) {
      this.fault = fault;
    }
  }

  /** A token request as the IdP received it. */
  public record Recorded(String method, String path, MultiMap headers, String body) {}

  private final Vertx vertx;
  private final int targetPort;
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final List<Recorded> recorded = new ArrayList<>();
  private volatile Mode mode = Mode.PASS;
  private volatile Handler<HttpServerRequest> override;
  private HttpClient client;

  public FaultProxy(Vertx vertx, int targetPort) {
    this.vertx = vertx;
    this.targetPort = targetPort;
  }

  /** Listens on {@code 127.0.0.1:0}; completes with the port. */
  public Future<Integer> start() {
    client = vertx.createHttpClient();
    return start(vertx).map(p -> p.port());
  }

  public FaultProxy mode(Mode mode) {
    this.mode = mode;
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

  @Override
  public Future<Void> close() {
    return super.close().compose(v -> client.close());
  }

  @Override
  protected void handle(HttpServerRequest req) {
    req.pause();
    boolean token = req.method().name().equals("POST") && req.path().endsWith("/token");
    Mode m = token ? mode : Mode.PASS;
    if (m == Mode.DOWN) {
      req.connection().close();
      tokenRequests.incrementAndGet();
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
              answer(req, m.fault, () -> forward(req, body));
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
