package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.NamedIdpClients;
import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.KeyState;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /dashboard}: a live page of every key (time to expiry, last refresh and its result,
 * IdP latency, the client and its breaker state), fed by server-sent events from {@code GET
 * /dashboard/events}: a snapshot every second and after every refresh. Snapshots carry key state
 * only, never a token.
 */
public final class Dashboard implements CacheListener {

  static final int MAX_STREAMS = 16;

  private final Vertx vertx;
  private final TokenCache cache;
  private final NamedIdpClients idps;
  private final Clock clock;
  private Buffer page;
  private final Set<HttpServerResponse> streams = new LinkedHashSet<>();
  private final Map<TokenKey, Long> latency = new HashMap<>();
  private long timer = -1;

  public Dashboard(Vertx vertx, TokenCache cache, NamedIdpClients idps, Clock clock) {
    this.vertx = vertx;
    this.cache = cache;
    this.idps = idps;
    this.clock = clock;
  }

  /**
   * Reads the page from the classpath on a worker thread (a jar read must not block the event
   * loop); compose it into the verticle's start. Fails when the page is missing from the jar.
   */
  public Future<Void> load() {
    return vertx
        .executeBlocking(
            () -> {
              try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/index.html")) {
                if (in == null) {
                  throw new IOException("dashboard page missing from the jar");
                }
                return Buffer.buffer(in.readAllBytes());
              }
            })
        .map(
            b -> {
              page = b;
              return null;
            });
  }

  public void mount(Router router, LocalRequestGuard guard) {
    router
        .get("/dashboard")
        .handler(
            rc -> {
              if (!guard.loopbackHost(rc.request())) {
                ApiResponses.fail(rc.response(), LocalRequestGuard.BAD_HOST);
                return;
              }
              rc.response()
                  .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
                  .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                  .putHeader(
                      "Content-Security-Policy",
                      "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
                  .putHeader("X-Frame-Options", "DENY")
                  .end(page);
            });
    router
        .get("/dashboard/events")
        .handler(
            rc -> {
              HttpServerResponse resp = rc.response();
              if (!guard.loopbackHost(rc.request())) {
                ApiResponses.fail(resp, LocalRequestGuard.BAD_HOST);
                return;
              }
              if (streams.size() >= MAX_STREAMS) {
                ApiResponses.json(
                    resp,
                    503,
                    new JsonObject()
                        .put("error", "temporarily_unavailable")
                        .put("error_description", "too many dashboard viewers"));
                return;
              }
              resp.setChunked(true)
                  .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                  .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
              streams.add(resp);
              resp.closeHandler(v -> streams.remove(resp));
              send(resp, snapshot());
              if (timer < 0) {
                timer = vertx.setPeriodic(1000, id -> broadcast());
              }
            });
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    streams.forEach(HttpServerResponse::end);
    streams.clear();
  }

  @Override
  public void refreshed(Token token, long latencyMillis) {
    latency.put(token.key(), latencyMillis);
    broadcast();
  }

  @Override
  public void fetchFailed(TokenKey key, IdpException failure, long latencyMillis, long next) {
    if (failure.kind() != IdpException.Kind.CIRCUIT_OPEN) {
      latency.put(key, latencyMillis);
    }
    broadcast();
  }

  @Override
  public void evicted(TokenKey key, String reason) {
    latency.remove(key);
  }

  private void broadcast() {
    if (streams.isEmpty()) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      return;
    }
    Buffer event = event(snapshot());
    for (HttpServerResponse r : streams.toArray(new HttpServerResponse[0])) {
      if (r.closed() || r.writeQueueFull()) {
        continue; // a slow viewer skips snapshots instead of buffering them
      }
      r.write(event);
    }
  }

  JsonObject snapshot() {
    long now = clock.millis();
    JsonArray keys = new JsonArray();
    for (KeyState s : cache.states()) {
      JsonObject k = Readiness.keyJson(s, now);
      Long ms = latency.get(s.key());
      if (ms != null) {
        k.put("idp_latency_ms", ms);
      }
      keys.add(k);
    }
    return new JsonObject()
        .put("now", now / 1000)
        .put("breaker", idps.breakerState())
        .put("breakers", Readiness.breakers(idps))
        .put("keys", keys);
  }

  private static void send(HttpServerResponse resp, JsonObject snapshot) {
    resp.write(event(snapshot));
  }

  private static Buffer event(JsonObject snapshot) {
    return Buffer.buffer("event: snapshot\ndata: " + snapshot.encode() + "\n\n");
  }
}
