package dev.tokenbroker.broker.idp;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.RetryOptions;
import dev.tokenbroker.broker.config.TokenEntryOptions;
import dev.tokenbroker.broker.idp.impl.BreakerIdpClient;
import dev.tokenbroker.broker.idp.impl.IdpClients;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * Gets client_credentials tokens from the identity provider. Each call is one HTTP request to the
 * token endpoint (found by OIDC discovery when not configured); the caller decides when to call.
 * Failures are {@link IdpException}s.
 */
public interface IdpClient {

  /**
   * An HTTP client for the IdP wrapped in a circuit breaker; with {@code idp.clientSecretFile}, the
   * file is watched and a rotated secret used from the next request on. Call on the context that
   * will use the client (the watch timer belongs to it).
   */
  static IdpClient create(Vertx vertx, IdpOptions idp, RetryOptions retry, Clock clock) {
    return create(vertx, TokenEntryOptions.DEFAULT_CLIENT, idp, retry, clock);
  }

  /**
   * {@link #create(Vertx, IdpOptions, RetryOptions, Clock)} for the client named {@code name}
   * (which its breaker's log lines carry).
   */
  static IdpClient create(
      Vertx vertx, String name, IdpOptions idp, RetryOptions retry, Clock clock) {
    return new BreakerIdpClient(
        vertx, name, IdpClients.withSecretRotation(vertx, idp, clock), retry, clock);
  }

  Future<TokenResponse> fetch(TokenRequest key);

  /** {@code closed}, {@code open} or {@code half_open}. */
  default String breakerState() {
    return "closed";
  }

  Future<Void> close();
}
