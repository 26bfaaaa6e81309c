package dev.tokenbroker.broker.api.eventbus;

import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.Token;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * Publishes {@code {"client","audience","scope","expires_at"}} on {@value EventBusApi#REFRESHED};
 * never the token.
 */
public final class RefreshPublisher implements CacheListener {

  private final EventBus eventBus;

  public RefreshPublisher(EventBus eventBus) {
    this.eventBus = eventBus;
  }

  @Override
  public void refreshed(Token token, long latencyMillis) {
    eventBus.publish(
        EventBusApi.REFRESHED,
        new JsonObject()
            .put("client", token.key().client())
            .put("audience", token.key().audience())
            .put("scope", token.key().scope())
            .put("expires_at", token.expiresAtMillis() / 1000));
  }
}
