package dev.tokenbroker.students.api.impl;

import dev.tokenbroker.students.auth.KeySource;
import dev.tokenbroker.students.auth.TokenValidator;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health/live}: 200 while the process serves HTTP. {@code /health/ready}: 200 when at least
 * one usable signing key is known (always with auth off), else 503 after asking the key source for
 * a (cooldown-limited) fetch, so a probe also drives recovery after an IdP outage.
 */
public final class HealthHandler {

  private final TokenValidator validator;

  public HealthHandler(TokenValidator validator) {
    this.validator = validator;
  }

  public void live(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("status", "UP"));
  }

  public void ready(RoutingContext ctx) {
    if (validator == null) {
      json(ctx, 200, new JsonObject().put("status", "UP").put("auth", "disabled"));
      return;
    }
    KeySource keys = validator.keySource();
    keys.refreshIfStale();
    int usable = keys.usableKeys();
    if (usable > 0) {
      json(ctx, 200, new JsonObject().put("status", "UP").put("keys", usable));
      return;
    }
    keys.refreshIfAllowed()
        .onComplete(
            ar -> {
              int count = ar.result();
              if (count > 0) {
                json(ctx, 200, new JsonObject().put("status", "UP").put("keys", count));
              } else {
                json(
                    ctx,
                    503,
                    new JsonObject().put("status", "DOWN").put("reason", "no usable signing key"));
              }
            });
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
