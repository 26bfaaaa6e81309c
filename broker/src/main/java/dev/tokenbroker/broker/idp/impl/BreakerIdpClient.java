package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.RetryOptions;
import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.TokenRequest;
import dev.tokenbroker.broker.idp.TokenResponse;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Puts a {@link CircuitBreaker} in front of the IdP. Only failures that say the IdP is in trouble
 * (5xx, 429, timeouts, broken answers) count towards opening it; an explicit refusal such as {@code
 * invalid_client} is a healthy IdP saying no and passes through without tripping it.
 */
public final class BreakerIdpClient implements IdpClient {

  private static final Logger LOG = Logger.getLogger(BreakerIdpClient.class.getName());

  private final IdpClient delegate;
  private final CircuitBreaker breaker;
  private final long resetMillis;

  public BreakerIdpClient(Vertx vertx, IdpClient delegate, RetryOptions retry) {
    this.delegate = delegate;
    this.resetMillis = retry.breakerResetMillis();
    this.breaker =
        CircuitBreaker.create(
                "idp",
                vertx,
                new CircuitBreakerOptions()
                    .setMaxFailures(retry.breakerFailureThreshold())
                    .setTimeout(-1)
                    .setResetTimeout(retry.breakerResetMillis())
                    .setFallbackOnFailure(false))
            .openHandler(v -> LOG.warning("IdP circuit breaker opened"))
            .halfOpenHandler(v -> LOG.info("IdP circuit breaker half-open: probing"))
            .closeHandler(v -> LOG.info("IdP circuit breaker closed"));
  }

  @Override
  public Future<TokenResponse> fetch(TokenRequest key) {
    return breaker
        .<Object>execute(
            () ->
                delegate
                    .fetch(key)
                    .<Object>map(r -> r)
                    .recover(
                        t -> {
                          IdpException e = IdpException.wrap(t);
                          return e.retryable() ? Future.failedFuture(e) : Future.succeededFuture(e);
                        }))
        .recover(
            t ->
                Future.failedFuture(
                    t instanceof OpenCircuitException
                        ? new IdpException(
                            IdpException.Kind.CIRCUIT_OPEN,
                            0,
                            null,
                            "circuit breaker open after repeated IdP failures",
                            resetMillis)
                        : IdpException.wrap(t)))
        .compose(
            o ->
                o instanceof IdpException e
                    ? Future.failedFuture(e)
                    : Future.succeededFuture((TokenResponse) o));
  }

  @Override
  public String breakerState() {
    return breaker.state().name().toLowerCase(Locale.ROOT);
  }

  @Override
  public Future<Void> close() {
    breaker.close();
    return delegate.close();
  }
}
