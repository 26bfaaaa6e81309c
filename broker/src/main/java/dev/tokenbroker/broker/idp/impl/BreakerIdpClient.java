package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.RetryOptions;
import dev.tokenbroker.broker.config.TokenEntryOptions;
import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.TokenRequest;
import dev.tokenbroker.broker.idp.TokenResponse;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.FailurePolicy;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.logging.Logger;

/**
 * Puts a {@link CircuitBreaker} in front of the IdP. Only failures that say the IdP is in trouble
 * (5xx, 429, timeouts, broken answers) count towards opening it (its {@link FailurePolicy}); an
 * explicit refusal such as {@code invalid_client} is a healthy IdP saying no: it resets the count
 * and passes through.
 *
 * <p>The open interval is not fixed: the k-th opening in a row lasts {@code min(max, reset *
 * 2^(k-1))} scaled by a random factor in [0.75, 1] ({@code retry.breakerResetMillis}, {@code
 * retry.breakerMaxResetMillis}), at least the IdP's {@code Retry-After}; a successful probe closes
 * the breaker and starts again from the first interval. The library's own reset timer is set to 1
 * ms, so it is half-open at once; this class holds every call until the interval has passed
 * (measured on the injected clock), then the library lets exactly one through as the probe.
 *
 * <p>Every retryable failure returned while the breaker is not closed is {@linkplain
 * IdpException#pacedBy paced}: it says when the next probe is due, so the cache's keys come back
 * then instead of after their own (longer) backoff.
 */
public final class BreakerIdpClient implements IdpClient {

  private static final Logger LOG = Logger.getLogger(BreakerIdpClient.class.getName());

  private final IdpClient delegate;
  private final String label;
  private final CircuitBreaker breaker;
  private final Clock clock;
  private final long resetMillis;
  private final long maxResetMillis;
  private final long probeInFlightMillis;
  private final SplittableRandom random = new SplittableRandom();
  private volatile long probeAt;
  private int openings;
  private long retryAfterHint = -1;

  public BreakerIdpClient(Vertx vertx, IdpClient delegate, RetryOptions retry, Clock clock) {
    this(vertx, TokenEntryOptions.DEFAULT_CLIENT, delegate, retry, clock);
  }

  /**
   * @param client the name of the client this breaker guards (in its log lines, unless the default
   *     one)
   */
  public BreakerIdpClient(
      Vertx vertx, String client, IdpClient delegate, RetryOptions retry, Clock clock) {
    boolean named = !TokenEntryOptions.DEFAULT_CLIENT.equals(client);
    this.label = named ? "IdP circuit breaker of client " + client : "IdP circuit breaker";
    this.delegate = delegate;
    this.clock = clock;
    this.resetMillis = retry.breakerResetMillis();
    this.maxResetMillis = retry.breakerMaxResetMillis();
    this.probeInFlightMillis = Math.min(1_000, resetMillis);
    this.breaker =
        CircuitBreaker.create(
                named ? "idp:" + client : "idp",
                vertx,
                new CircuitBreakerOptions()
                    .setMaxFailures(retry.breakerFailureThreshold())
                    // failures since the last success, not in the last 10 s
                    .setFailuresRollingWindow(3_600_000)
                    .setTimeout(-1)
                    .setResetTimeout(1)
                    .setFallbackOnFailure(false))
            .failurePolicy(
                (FailurePolicy<TokenResponse>)
                    f -> f.failed() && IdpException.wrap(f.cause()).retryable())
            .openHandler(v -> opened())
            .closeHandler(
                v -> {
                  if (openings > 0) {
                    LOG.info(label + " closed: the probe succeeded");
                  }
                  openings = 0;
                });
  }

  /** Runs inside the library's {@code open()}, before the result of the call is delivered. */
  private void opened() {
    openings++;
    double nominal = Math.min((double) maxResetMillis, resetMillis * Math.pow(2, openings - 1));
    long interval = (long) (nominal * (0.75 + 0.25 * random.nextDouble()));
    interval = Math.max(interval, retryAfterHint);
    probeAt = clock.millis() + interval;
    LOG.warning(
        label
            + " open"
            + (openings > 1 ? " again (" + openings + " in a row)" : "")
            + ": next probe in "
            + interval
            + " ms");
  }

  @Override
  public Future<TokenResponse> fetch(TokenRequest key) {
    if (breaker.state() != CircuitBreakerState.CLOSED) {
      long wait = probeAt - clock.millis();
      if (wait > 0) {
        return Future.failedFuture(circuitOpen(wait));
      }
    }
    return breaker
        .<TokenResponse>execute(
            () ->
                delegate
                    .fetch(key)
                    .onComplete(
                        ar ->
                            retryAfterHint =
                                ar.failed()
                                    ? IdpException.wrap(ar.cause()).retryAfterMillis()
                                    : -1))
        .recover(
            t -> {
              if (t instanceof OpenCircuitException) {
                // half-open with the probe already in flight
                return Future.failedFuture(circuitOpen(probeInFlightMillis));
              }
              IdpException e = IdpException.wrap(t);
              if (e.retryable() && breaker.state() != CircuitBreakerState.CLOSED) {
                e = e.pacedBy(probeAt - clock.millis());
              }
              return Future.failedFuture(e);
            });
  }

  private static IdpException circuitOpen(long retryInMillis) {
    return new IdpException(
            IdpException.Kind.CIRCUIT_OPEN,
            0,
            null,
            "circuit breaker open after repeated IdP failures",
            -1)
        .pacedBy(retryInMillis);
  }

  @Override
  public String breakerState() {
    return switch (breaker.state()) {
      case CLOSED -> "closed";
      case OPEN -> "open";
      case HALF_OPEN -> clock.millis() < probeAt ? "open" : "half_open";
    };
  }

  @Override
  public Future<Void> close() {
    breaker.close();
    return delegate.close();
  }
}
