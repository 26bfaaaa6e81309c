package dev.tokenbroker.students.auth;

import io.vertx.core.Future;
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

  /**
   * Fetches the key set now (joining a fetch in flight). Succeeds with the number of usable keys;
   * fails when the fetch failed, in which case the previous keys stay in force.
   */
  Future<Integer> refresh();

  /** Starts a background fetch when the cached set has outlived its lifetime. */
  void refreshIfStale();

  /**
   * Asks for an early fetch (no usable key is known, or a token named an unknown {@code kid}):
   * joins a fetch in flight, starts one only if the cooldown since the last fetch has passed. Never
   * fails: completes with the number of usable keys afterwards.
   */
  Future<Integer> refreshIfAllowed();

  /** The number of usable signing keys in force now. */
  int usableKeys();

  /** Whether at least one usable signing key is known. */
  boolean isReady();

  /** The {@code kid}s of the usable keys (kid-less keys are not listed). */
  Set<String> keyIds();

  /** Number of key-set fetches started so far (the first may include the discovery request). */
  long fetchCount();

  /** Closes the HTTP client used for fetching and removes the key-count gauge. */
  Future<Void> close();
}
