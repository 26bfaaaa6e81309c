package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.idp.IdpException;

/** A read-only view of one cache key, for health and metrics. */
public record KeyState(
    TokenKey key,
    boolean prefetch,
    Token token,
    boolean fetching,
    long lastSuccessAtMillis,
    IdpException lastError,
    long lastErrorAtMillis,
    int consecutiveFailures,
    long nextAttemptAtMillis,
    long refreshAtMillis) {

  /** True when a token is held that may still be served at {@code now}. */
  public boolean held(long nowMillis) {
    return token != null && token.servableAt(nowMillis);
  }
}
