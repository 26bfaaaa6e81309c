package dev.tokenbroker.e2e;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's JWKS as Keycloak's {@code jwks.url} fetches it: a loopback HTTP server answering
 * {@code GET /jwks.json} with the public keys currently published. Keys are added and removed while
 * it runs (key rotation); fetches are counted.
 */
final class JwksServer {

  private final HttpServer server;
  private final List<JsonObject> keys = new ArrayList<>();
  private final AtomicInteger fetches = new AtomicInteger();

  private JwksServer(Vertx vertx) {
    this.server = vertx.createHttpServer();
  }

  static Future<JwksServer> start(Vertx vertx) {
    JwksServer jwks = new JwksServer(vertx);
    return jwks.server
        .requestHandler(
            request -> {
              if (!"/jwks.json".equals(request.path())) {
                request.response().setStatusCode(404).end();
                return;
              }
              jwks.fetches.incrementAndGet();
              request
                  .response()
                  .putHeader("Content-Type", "application/json")
                  .putHeader("Cache-Control", "no-store")
                  .end(jwks.document().encode());
            })
        .listen(0, "127.0.0.1")
        .map(jwks);
  }

  /** The URL for the client's {@code jwks.url}. */
  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/jwks.json";
  }

  synchronized JwksServer publish(ClientKey key) {
    keys.add(key.publicJwk());
    return this;
  }

  synchronized JwksServer withdraw(ClientKey key) {
    keys.removeIf(jwk -> key.kid().equals(jwk.getString("kid")));
    return this;
  }

  synchronized JsonObject document() {
    JsonArray array = new JsonArray();
    keys.forEach(jwk -> array.add(jwk.copy()));
    return new JsonObject().put("keys", array);
  }

  int fetches() {
    return fetches.get();
  }

  Future<Void> close() {
    return server.close();
  }
}
