package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.NamedIdpClients;
import dev.tokenbroker.broker.token.KeyState;
import dev.tokenbroker.broker.token.TokenCache;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.Locale;

/**
 * The readiness report: ready when every prefetched key holds a servable token. {@code breaker} is
 * the worst state of all clients' breakers, {@code breakers} each client's; every key names its
 * {@code client}.
 */
public final class Readiness {

  private final TokenCache cache;
  private final NamedIdpClients idps;
  private final Clock clock;
  private volatile boolean stopping;
  private volatile java.util.function.Supplier<JsonObject> cluster =
      () -> new JsonObject().put("enabled", false);

  public Readiness(TokenCache cache, NamedIdpClients idps, Clock clock) {
    this.cache = cache;
    this.idps = idps;
    this.clock = clock;
  }

  /**
   * The fleet's status for the {@code cluster} object (fleet mode); informational: a node that lost
   * the cluster serves on its own and stays ready.
   */
  public void cluster(java.util.function.Supplier<JsonObject> status) {
    this.cluster = status;
  }

  /** From now on not ready: the process is stopping (any thread may call this). */
  public void stopping() {
    stopping = true;
  }

  public JsonObject report() {
    long now = clock.millis();
    boolean ready = !stopping;
    JsonArray keys = new JsonArray();
    for (KeyState s : cache.states()) {
      boolean held = s.held(now);
      if (s.prefetch() && !held) {
        ready = false;
      }
      keys.add(keyJson(s, now));
    }
    return new JsonObject()
        .put("status", ready ? "UP" : "DOWN")
        .put("stopping", stopping)
        .put("breaker", idps.breakerState())
        .put("breakers", breakers(idps))
        .put("cluster", cluster.get())
        .put("keys", keys);
  }

  /** Each client's breaker state, by client name. */
  static JsonObject breakers(NamedIdpClients idps) {
    JsonObject out = new JsonObject();
    idps.breakerStates().forEach(out::put);
    return out;
  }

  /** One key's state; never the token itself. */
  public static JsonObject keyJson(KeyState s, long now) {
    boolean held = s.held(now);
    JsonObject k =
        new JsonObject()
            .put("client", s.key().client())
            .put("audience", s.key().audience())
            .put("scope", s.key().scope())
            .put("prefetch", s.prefetch())
            .put("held", held)
            .put("fetching", s.fetching());
    if (held) {
      k.put("expires_in", (s.token().expiresAtMillis() - now) / 1000)
          .put("expires_at", s.token().expiresAtMillis() / 1000)
          .put("lifetime", (s.token().expiresAtMillis() - s.token().obtainedAtMillis()) / 1000)
          .put("refresh_in", Math.max(0, (s.refreshAtMillis() - now) / 1000));
    }
    if (s.lastSuccessAtMillis() > 0) {
      k.put("last_refresh_at", s.lastSuccessAtMillis() / 1000);
    }
    IdpException e = s.lastError();
    if (e != null) {
      JsonObject err =
          new JsonObject()
              .put("kind", e.kind().name().toLowerCase(Locale.ROOT))
              .put("message", e.getMessage());
      if (e.error() != null) {
        err.put("idp_error", e.error());
      }
      if (e.httpStatus() > 0) {
        err.put("http_status", e.httpStatus());
      }
      k.put("last_error", err)
          .put("last_error_at", s.lastErrorAtMillis() / 1000)
          .put("consecutive_failures", s.consecutiveFailures())
          .put("next_attempt_in", Math.max(0, (s.nextAttemptAtMillis() - now) / 1000));
    }
    return k;
  }
}
