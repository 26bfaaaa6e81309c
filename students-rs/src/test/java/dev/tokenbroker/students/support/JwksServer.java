package dev.tokenbroker.students.support;

import dev.tokenbroker.testing.FaultServer;
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
public final class JwksServer extends FaultServer<JwksServer> {

  /** How {@code /jwks} answers (the faults are {@link FaultServer}'s). */
  public enum Mode {
    NORMAL(Fault.NONE),
    ERROR_500(Fault.ERROR_500),
    HANG(Fault.HANG),
    OVERSIZED_CHUNKED(Fault.OVERSIZED_CHUNKED),
    OVERSIZED_DECLARED(Fault.OVERSIZED_DECLARED),
    NOT_JSON(Fault.NOT_JSON);

    private final Fault fault;

    Mode(Fault fault) {
      this.fault = fault;
    }
  }

  private final AtomicInteger jwksFetches = new AtomicInteger();
  private final AtomicInteger discoveryFetches = new AtomicInteger();
  private volatile JsonObject jwks = new JsonObject().put("keys", new JsonArray());
  private volatile String cacheControl;
  private volatile Mode mode = Mode.NORMAL;
  private volatile String discoveryIssuer;
  private final List<HttpServerRequest> held = new ArrayList<>();
  private boolean holding;

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

  @Override
  protected void handle(HttpServerRequest req) {
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
    answer(
        req,
        mode.fault,
        () -> {
          if (cacheControl != null) {
            req.response().putHeader("Cache-Control", cacheControl);
          }
          req.response().putHeader("Content-Type", "application/json").end(jwks.encode());
        });
  }
}
