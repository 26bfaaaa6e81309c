package dev.tokenbroker.students.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in identity provider on 127.0.0.1:0 serving {@code /jwks} and OIDC discovery under {@code
 * /tenant}. Tests swap the keys, the {@code Cache-Control} header or the behaviour (error status,
 * endless answer, oversized body) and count the fetches.
 */
public final class JwksServer {

  public enum Mode {
    NORMAL,
    ERROR_500,
    HANG,
    OVERSIZED_CHUNKED,
    OVERSIZED_DECLARED,
    NOT_JSON
  }

  private final AtomicInteger jwksFetches = new AtomicInteger();
  private final AtomicInteger discoveryFetches = new AtomicInteger();
  private volatile JsonObject jwks = new JsonObject().put("keys", new JsonArray());
  private volatile String cacheControl;
  private volatile Mode mode = Mode.NORMAL;
  private volatile String discoveryIssuer;
  private final List<HttpServerRequest> held = new ArrayList<>();
  private boolean holding;
  private HttpServer server;

  public Future<JwksServer> start(Vertx vertx) {
    return vertx
        .createHttpServer()
        .requestHandler(this::handle)
        .listen(0, "127.0.0.1")
        .map(
            s -> {
              server = s;
              return this;
            });
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public String base() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public String jwksUri() {
    return base() + "/jwks";
  }

  /** Issuer whose discovery document lives at {@code /tenant/.well-known/openid-configuration}. */
  public String issuer(boolean trailingSlash) {
    return base() + "/tenant" + (trailingSlash ? "/" : "");
  }

  public JwksServer keys(JsonObject... keys) {
    this.jwks = new JsonObject().put("keys", new JsonArray(List.of((Object[]) keys)));
    return this;
  }

  public JwksServer cacheControl(String value) {
    this.cacheControl = value;
    return this;
  }

  public JwksServer mode(Mode mode) {
    this.mode = mode;
    return this;
  }

  public JwksServer discoveryIssuer(String issuer) {
    this.discoveryIssuer = issuer;
    return this;
  }

  /** Until {@link #release()}, JWKS requests are parked unanswered (a fetch stays in flight). */
  public synchronized JwksServer hold() {
    holding = true;
    return this;
  }

  /** Answers the parked requests and stops parking. */
  public void release() {
    List<HttpServerRequest> parked;
    synchronized (this) {
      holding = false;
      parked = new ArrayList<>(held);
      held.clear();
    }
    parked.forEach(this::answer);
  }

  public int jwksFetches() {
    return jwksFetches.get();
  }

  public int discoveryFetches() {
    return discoveryFetches.get();
  }

  private void handle(HttpServerRequest req) {
    if (req.path().equals("/tenant/.well-known/openid-configuration")) {
      discoveryFetches.incrementAndGet();
      String issuer = discoveryIssuer != null ? discoveryIssuer : issuer(false);
      req.response()
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("issuer", issuer).put("jwks_uri", jwksUri()).encode());
      return;
    }
    if (!req.path().equals("/jwks")) {
      req.response().setStatusCode(404).end();
      return;
    }
    jwksFetches.incrementAndGet();
    synchronized (this) {
      if (holding) {
        held.add(req);
        return;
      }
    }
    answer(req);
  }

  private void answer(HttpServerRequest req) {
    switch (mode) {
      case ERROR_500 -> req.response().setStatusCode(500).end("{}");
      case HANG -> req.response().setChunked(true).write("{\"keys\":[");
      case NOT_JSON -> req.response().end("<html>maintenance</html>");
      case OVERSIZED_DECLARED ->
          req.response().end("{\"keys\":[],\"pad\":\"" + "x".repeat(200_000) + "\"}");
      case OVERSIZED_CHUNKED -> {
        req.response().setChunked(true).write("{\"keys\":[],\"pad\":\"");
        for (int i = 0; i < 50; i++) {
          req.response().write("x".repeat(4096));
        }
        req.response().end("\"}");
      }
      default -> {
        if (cacheControl != null) {
          req.response().putHeader("Cache-Control", cacheControl);
        }
        req.response().putHeader("Content-Type", "application/json").end(jwks.encode());
      }
    }
  }
}
