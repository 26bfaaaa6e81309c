package dev.tokenbroker.students.auth;

import dev.tokenbroker.students.auth.impl.JwksKeySource;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.Set;

/**
 * The identity provider's signing keys, fetched from its JWKS (found through OIDC discovery unless
 * {@code jwksUri} is configured) and cached.
 *
 * <ul>
 *   <li>The set is refreshed after {@code Cache-Control: max-age}, clamped to the configured
 *       bounds, and early when a token names an unknown {@code kid}; early fetches happen at most
 *       once per cooldown and only one fetch is ever in flight.
 *   <li>A fetched set replaces the old one whole; a failed fetch keeps the old one.
 *   <li>Fetches are bounded by a timeout and a response size cap.
 * </ul>
 *
 * Thread-safe: the key set is an immutable snapshot swapped atomically.
 */
public interface KeySource {

  static KeySource create(Vertx vertx, TokenValidatorOptions options, Clock clock) {
    return new JwksKeySource(vertx, options, clock);
  }

  /** A key source counting its fetches and publishing its key count in {@code metrics}. */
  static KeySource create(
      Vertx vertx, TokenValidatorOptions options, Clock clock, StudentsMetrics metrics) {
    return new JwksKeySource(vertx, options, clock, metrics);
  }

  /**
   * Fetches the key set now (joining a fetch in flight). Succeeds with the number of usable keys;
   * fails when the fetch failed, in which case the previous keys stay in force.
   */
  Future<Integer> refresh();

  /** Whether at least one usable signing key is known. */
  boolean isReady();

  /** The {@code kid}s of the usable keys (kid-less keys are not listed). */
  Set<String> keyIds();

  /** Number of key-set fetches started so far (the first may include the discovery request). */
  long fetchCount();

  /** Closes the HTTP client used for fetching and removes the key-count gauge. */
  Future<Void> close();
}
