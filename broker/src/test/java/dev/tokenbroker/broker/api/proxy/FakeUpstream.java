package dev.tokenbroker.broker.api.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * An upstream for the proxy tests on 127.0.0.1:0 that records every request (method, target, all
 * headers, body) and counts connections; {@code status} picks the answer by request number.
 */
final class FakeUpstream {

  record Seen(String method, String uri, MultiMap headers, String body) {}

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  private final HttpServer server;
  private volatile IntUnaryOperator status = n -> 200;
  private volatile String refused;

  FakeUpstream(Vertx vertx, HttpServerOptions options) {
    server =
        vertx
            .createHttpServer(options)
            .connectionHandler(c -> connections.incrementAndGet())
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
                              seen.add(new Seen(req.method().name(), req.uri(), h, b.toString()));
                              int sc =
                                  h.get("Authorization") != null
                                          && h.get("Authorization").equals(refused)
                                      ? 401
                                      : status.applyAsInt(seen.size());
                              req.response()
                                  .setStatusCode(sc)
                                  .putHeader("Content-Type", "application/json")
                                  .end("{\"n\":" + seen.size() + "}");
                            }));
  }

  static FakeUpstream start(Vertx vertx) {
    return start(vertx, new HttpServerOptions());
  }

  static FakeUpstream start(Vertx vertx, HttpServerOptions options) {
    FakeUpstream u = new FakeUpstream(vertx, options);
    u.server.listen(0, "127.0.0.1").await();
    return u;
  }

  /** Answers with {@code status.applyAsInt(n)} to the n-th request (from 1). */
  FakeUpstream answer(IntUnaryOperator status) {
    this.status = status;
    return this;
  }

  /** Answers 401 to every request carrying exactly this {@code Authorization} value. */
  FakeUpstream refuse(String authorization) {
    this.refused = authorization;
    return this;
  }

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }
}
