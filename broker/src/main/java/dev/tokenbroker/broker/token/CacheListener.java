package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.idp.IdpException;

/**
 * Hears what the cache does, for notifications, metrics and logs. Methods run on the cache's
 * context.
 */
public interface CacheListener {

  /** One listener that forwards to all of {@code listeners}, in order. */
  static CacheListener all(java.util.List<CacheListener> listeners) {
    java.util.List<CacheListener> list = java.util.List.copyOf(listeners);
    return new CacheListener() {
      @Override
      public void fetchStarted(TokenKey key, boolean background) {
        list.forEach(l -> l.fetchStarted(key, background));
      }

      @Override
      public void refreshed(Token token, long latencyMillis) {
        list.forEach(l -> l.refreshed(token, latencyMillis));
      }

      @Override
      public void fetchFailed(TokenKey key, IdpException failure, long latencyMillis, long next) {
        list.forEach(l -> l.fetchFailed(key, failure, latencyMillis, next));
      }

      @Override
      public void evicted(TokenKey key, String reason) {
        list.forEach(l -> l.evicted(key, reason));
      }

      @Override
      public void invalidated(TokenKey key) {
        list.forEach(l -> l.invalidated(key));
      }
    };
  }

  /** A fetch for {@code key} was sent to the IdP. */
  default void fetchStarted(TokenKey key, boolean background) {}

  /** A new token is held. */
  default void refreshed(Token token, long latencyMillis) {}

  /** A fetch failed; {@code nextAttemptAtMillis} is when the cache will try again. */
  default void fetchFailed(
      TokenKey key, IdpException failure, long latencyMillis, long nextAttemptAtMillis) {}

  /** The key was dropped (idle, or evicted to respect the key bound). */
  default void evicted(TokenKey key, String reason) {}

  /** The held token was reported as rejected by a resource server and dropped. */
  default void invalidated(TokenKey key) {}
}
