package dev.tokenbroker.bench.servers;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.JWTAuthHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * The comparison point for students-rs: {@code GET /students} behind the textbook vertx-auth set-up
 * — {@link JWTAuth} with the IdP's JWKS loaded once at start, {@link JWTAuthHandler} requiring
 * {@code read:students}, and a handler answering the same JSON as students-rs. No access log, no
 * request id, no other middleware.
 *
 * <p>{@code java -cp ... PlainJwtServer --issuer I --audience A --jwks-uri U}; prints {@code
 * listening on http://127.0.0.1:PORT}.
 */
public final class PlainJwtServer extends VerticleBase {

  static final Buffer STUDENTS =
      Buffer.buffer("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]");

  private final String issuer;
  private final String audience;
  private final String jwksUri;
  private HttpServer server;

  public PlainJwtServer(String issuer, String audience, String jwksUri) {
    this.issuer = issuer;
    this.audience = audience;
    this.jwksUri = jwksUri;
  }

  @Override
  public Future<?> start() {
    HttpClient client = vertx.createHttpClient();
    return client
        .request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(jwksUri))
        .compose(req -> req.send().expecting(HttpResponseExpectation.SC_OK))
        .compose(HttpClientResponse::body)
        .eventually(client::close)
        .compose(this::listen);
  }

  private Future<HttpServer> listen(Buffer jwks) {
    List<JsonObject> keys = new ArrayList<>();
    jwks.toJsonObject().getJsonArray("keys").forEach(k -> keys.add((JsonObject) k));
    JWTAuth auth =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .setJwks(keys)
                .setJWTOptions(new JWTOptions().setIssuer(issuer).setAudience(List.of(audience))));
    Router router = Router.router(vertx);
    router
        .get("/students")
        .handler(JWTAuthHandler.create(auth).withScope("read:students"))
        .handler(
            rc ->
                rc.response()
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store")
                    .end(STUDENTS.copy()));
    return vertx
        .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public static void main(String[] args) {
    String issuer = null;
    String audience = null;
    String jwksUri = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--issuer" -> issuer = args[i + 1];
        case "--audience" -> audience = args[i + 1];
        case "--jwks-uri" -> jwksUri = args[i + 1];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (issuer == null || audience == null || jwksUri == null) {
      throw new IllegalArgumentException(
          "usage: PlainJwtServer --issuer I --audience A --jwks-uri U");
    }
    Vertx vertx = Vertx.vertx();
    PlainJwtServer verticle = new PlainJwtServer(issuer, audience, jwksUri);
    vertx
        .deployVerticle(verticle)
        .onSuccess(
            id ->
                System.out.println("listening on http://127.0.0.1:" + verticle.server.actualPort()))
        .onFailure(
            t -> {
              System.err.println("start failed: " + t);
              System.exit(1);
            });
  }
}
