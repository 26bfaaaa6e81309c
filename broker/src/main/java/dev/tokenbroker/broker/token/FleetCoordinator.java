package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.idp.TokenResponse;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Where the cache's fetches go: straight to the IdP ({@link #ALONE}, one broker), or through a
 * fleet of brokers that elects one node per key and refresh cycle to call the IdP and hands the
 * others its result (fleet mode, {@code cluster.enabled}). The cache keeps serving its held token
 * while a fetch is pending, whoever makes it.
 *
 * <p>Tokens that arrive from the fleet without a fetch of this node's (another node refreshed
 * first) are handed to {@link TokenCache#receive}, which installs them like fetched ones.
 */
public interface FleetCoordinator {

  /** No fleet: every fetch is this node's own IdP call. */
  FleetCoordinator ALONE = (key, stale, idp) -> idp.get();

  /**
   * A token for {@code key}, completing on the cache's context.
   *
   * @param stale the token this node holds or just dropped (due for refresh, or invalidated), or
   *     null: a shared token that is not newer than it is no answer
   * @param idp this node's IdP call, made when this node is elected (or the fleet is unreachable)
   */
  Future<TokenResponse> fetch(TokenKey key, Token stale, Supplier<Future<TokenResponse>> idp);
}
