package dev.tokenbroker.students.api.impl;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;

/**
 * A token bucket shared by all callers: {@code requestsPerSecond} tokens per second, burst of the
 * same size. Over the limit the answer is 429 with {@code Retry-After: 1}. A rate of 0 turns the
 * limit off. Time comes from the injected clock.
 */
public final class RateLimitHandler implements Handler<RoutingContext> {

  private final int perSecond;
  private final Clock clock;
  private double tokens;
  private long lastMillis;

  public RateLimitHandler(int requestsPerSecond, Clock clock) {
    this.perSecond = requestsPerSecond;
    this.clock = clock;
    this.tokens = requestsPerSecond;
    this.lastMillis = clock.millis();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (perSecond <= 0 || take()) {
      ctx.next();
      return;
    }
    ctx.response()
        .setStatusCode(429)
        .putHeader("Retry-After", "1")
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put("error", "rate_limited")
                .put("error_description", "too many requests")
                .encode());
  }

  private synchronized boolean take() {
    long now = clock.millis();
    if (now > lastMillis) {
      tokens = Math.min(perSecond, tokens + (now - lastMillis) * perSecond / 1000.0);
      lastMillis = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
