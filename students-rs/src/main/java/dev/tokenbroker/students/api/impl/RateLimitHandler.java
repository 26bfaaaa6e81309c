package dev.tokenbroker.students.api.impl;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket shared by all callers: {@code requestsPerSecond} tokens per second, burst of the
 * same size. Over the limit the answer is 429 with {@code Retry-After: 1}. A rate of 0 turns the
 * limit off. Time comes from the injected clock. Thread-safe without a lock: the server shares one
 * handler among its event loops, so the limit holds for the whole server.
 */
public final class RateLimitHandler implements Handler<RoutingContext> {

  private final int perSecond;
  private final Clock clock;
  private final long intervalNanos;
  private final long burstNanos;

  /**
   * The bucket as one number (the generic cell rate algorithm): the theoretical arrival time, in
   * nanoseconds of {@code clock}, of the next request if the bucket were empty. A request is
   * admitted while it is at most a burst ahead of now. Updated by compare-and-set, so one handler
   * serves every event loop without a lock.
   */
  private final AtomicLong theoreticalArrivalNanos;

  public RateLimitHandler(int requestsPerSecond, Clock clock) {
    this.perSecond = requestsPerSecond;
    this.clock = clock;
    this.intervalNanos = requestsPerSecond <= 0 ? 0 : 1_000_000_000L / requestsPerSecond;
    this.burstNanos = Math.max(0, requestsPerSecond - 1) * intervalNanos;
    this.theoreticalArrivalNanos = new AtomicLong(clock.millis() * 1_000_000L);
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

  /** Takes one request from the bucket; false when it is empty. Package-visible for tests. */
  boolean take() {
    long now = clock.millis() * 1_000_000L;
    while (true) {
      long tat = theoreticalArrivalNanos.get();
      if (tat - now > burstNanos) {
        return false;
      }
      if (theoreticalArrivalNanos.compareAndSet(tat, Math.max(tat, now) + intervalNanos)) {
        return true;
      }
    }
  }
}
